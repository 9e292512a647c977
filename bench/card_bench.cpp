// card_bench: SVG profile cards per second on one core, images already cached.
//
//   cmake --build build --target card_bench && ./build/bench/card_bench
//
// BM_RenderCard           render_card() alone: layout, text fitting, escaping, output.
// BM_RenderCardAsyncWarm  CardService::render_card_async() with every image in the
//                         ImageCache: URL building, four cache lookups, copying the data
//                         URIs, rendering; `done` runs inline. What a warm request costs.
// items_per_second is cards per second. Images are 128 x 128 PNGs of ~0.5-50 KiB (the
// avatar is noisy so that it does not compress, like a real photo).
#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <random>

#include "card/card_service.h"
#include "card/data_uri.h"
#include "card/render.h"
#include "card_samples.h"

namespace {

using namespace lantern::card;

// A 128 x 128 PNG of random pixels, stored uncompressed-ish: ~50 KiB like a real avatar.
std::string noisy_png() {
  std::string png = testing::solid_png(128, 128, 1, 2, 3);
  // Same header, but the bytes after it only need to sniff as PNG for the card; pad the
  // file to the size of a real photo avatar.
  std::mt19937 rng(42);
  std::string noise(48 * 1024, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  return png + noise;
}

struct Fixture {
  Fixture() {
    const auto now = ImageCache::Clock::now();
    const auto urls = card_image_urls(sample.member, sample.presence, {}, bases);
    cache.put(urls.avatar, image(noisy_png()), now);
    cache.put(*urls.large_image, image(testing::solid_png(128, 128, 240, 120, 60)), now);
    cache.put(*urls.small_image, image(testing::solid_png(64, 64, 60, 200, 120)), now);
    cache.put(*urls.tag_badge, image(testing::solid_png(32, 32, 200, 80, 200)), now);
  }

  static CachedImagePtr image(const std::string& bytes) {
    return std::make_shared<const CachedImage>(CachedImage{*make_data_uri(bytes)});
  }

  testing::Sample sample = testing::playing_sample();
  CdnBases bases;
  ImageCache cache{ImageCache::Config{}};
  boost::asio::io_context io;
  ImageFetcher fetcher{io.get_executor(), cache, {}};
  CardService service{fetcher, Themes{}, bases};
};

void BM_RenderCard(benchmark::State& state) {
  Fixture f;
  const CardImages images = testing::sample_images(f.sample);
  const Theme theme = default_dark_theme();
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string svg = render_card(f.sample.member, f.sample.presence, std::nullopt, {}, theme,
                                  images, testing::kNowMs);
    bytes += svg.size();
    benchmark::DoNotOptimize(svg);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_RenderCard);

void BM_RenderCardAsyncWarm(benchmark::State& state) {
  Fixture f;
  std::size_t bytes = 0;
  for (auto _ : state) {
    // A snapshot is shared, not copied, per request in the server (UserViewPtr); copying
    // the sample here is part of the measured cost and makes the number conservative.
    f.service.render_card_async(CardSubject{f.sample.member, f.sample.presence, std::nullopt}, {},
                                testing::kNowMs, [&bytes](std::string svg) {
                                  bytes += svg.size();
                                  benchmark::DoNotOptimize(svg);
                                });
  }
  if (f.fetcher.fetches_started() != 0) state.SkipWithError("cache was not warm");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_RenderCardAsyncWarm);

}  // namespace

BENCHMARK_MAIN();
