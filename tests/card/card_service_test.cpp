// CardService: fetches what the card needs, embeds it, falls back to the placeholder.
#include "card/card_service.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <future>
#include <thread>

#include "card/data_uri.h"
#include "card/render.h"
#include "card_samples.h"
#include "test_image_server.h"

namespace lantern::card {
namespace {

namespace asio = boost::asio;
using testing::TestImageServer;

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

class CardServiceTest : public ::testing::Test {
 protected:
  CardServiceTest() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~CardServiceTest() override {
    work_.reset();
    io_.stop();
    thread_.join();
  }

  CdnBases local_cdn(const std::string& cdn_path) const {
    const std::string base = server_.base();
    return CdnBases{base + cdn_path, base + "/cdn/media", base + "/cdn/spotify",
                    base + "/cdn/youtube", base + "/cdn/twitch"};
  }

  std::string render(const CardService& service, testing::Sample sample, CardOptions options = {}) {
    auto promise = std::make_shared<std::promise<std::string>>();
    auto svg = promise->get_future();
    service.render_card_async(
        CardSubject{std::move(sample.member), std::move(sample.presence), sample.last_seen_ms},
        std::move(options), testing::kNowMs,
        [promise](std::string card) { promise->set_value(std::move(card)); });
    if (svg.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      ADD_FAILURE() << "card never rendered";
      return {};
    }
    return svg.get();
  }

  TestImageServer server_;
  ImageCache cache_{ImageCache::Config{}};
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

TEST_F(CardServiceTest, EmbedsEveryImageTheCardNeeds) {
  ImageFetcher fetcher(io_.get_executor(), cache_, {});
  CardService service(fetcher, Themes{}, local_cdn("/cdn"));
  const std::string svg = render(service, testing::playing_sample());
  const std::string embedded = *make_data_uri(TestImageServer::ok_png());
  EXPECT_EQ(count(svg, embedded), 4u) << "avatar, large, small image and tag badge";
  EXPECT_EQ(count(svg, kPlaceholderDataUri), 0u);
  EXPECT_EQ(fetcher.fetches_started(), 4u);
}

TEST_F(CardServiceTest, WarmCardsFetchNothing) {
  ImageFetcher fetcher(io_.get_executor(), cache_, {});
  CardService service(fetcher, Themes{}, local_cdn("/cdn"));
  const std::string first = render(service, testing::playing_sample());
  const std::string second = render(service, testing::playing_sample());
  EXPECT_EQ(first, second);
  EXPECT_EQ(fetcher.fetches_started(), 4u);
}

TEST_F(CardServiceTest, FailedImagesBecomeThePlaceholder) {
  ImageFetcher fetcher(io_.get_executor(), cache_, {});
  CardService service(fetcher, Themes{}, local_cdn("/nowhere"));  // CDN paths answer 404
  const std::string svg = render(service, testing::playing_sample());
  EXPECT_EQ(count(svg, kPlaceholderDataUri), 4u) << "avatar, large and small image, tag badge";
  EXPECT_EQ(count(svg, *make_data_uri(TestImageServer::ok_png())), 0u);
}

TEST_F(CardServiceTest, SlowImagesDoNotHoldTheCardBeyondTheTimeout) {
  ImageFetcher fetcher(io_.get_executor(), cache_,
                       FetcherConfig{.timeout = std::chrono::milliseconds(300)});
  testing::Sample sample = testing::playing_sample();
  sample.member.user.avatar.reset();
  sample.presence.activities[1].assets->large.image = "mp:slow.png";  // never answers
  CdnBases bases = local_cdn("/cdn");
  bases.media_proxy = server_.base();
  CardService slow(fetcher, Themes{}, bases);
  const std::string svg = render(slow, sample);
  EXPECT_EQ(count(svg, kPlaceholderDataUri), 1u);
}

TEST_F(CardServiceTest, RendersFromAUserViewSnapshotLikeFromTheModel) {
  ImageFetcher fetcher(io_.get_executor(), cache_, {});
  CardService service(fetcher, Themes{}, local_cdn("/cdn"));
  const testing::Sample sample = testing::playing_sample();
  auto view = presence::UserView::make(sample.member, sample.presence, sample.last_seen_ms,
                                       std::make_shared<const presence::StoragePairs>());
  auto promise = std::make_shared<std::promise<std::string>>();
  auto from_view = promise->get_future();
  service.render_card_async(view, {}, testing::kNowMs,
                            [promise](std::string svg) { promise->set_value(std::move(svg)); });
  ASSERT_EQ(from_view.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_EQ(from_view.get(), render(service, sample));
}

TEST_F(CardServiceTest, HiddenPartsAreNotFetched) {
  ImageFetcher fetcher(io_.get_executor(), cache_, {});
  CardService service(fetcher, Themes{}, local_cdn("/cdn"));
  CardOptions options;
  options.hide_activity = true;
  options.hide_server_tag = true;
  render(service, testing::playing_sample(), options);
  EXPECT_EQ(fetcher.fetches_started(), 1u);
}

}  // namespace
}  // namespace lantern::card
