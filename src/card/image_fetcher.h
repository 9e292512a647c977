// ImageFetcher: fetches the card's images over HTTP(S) into the ImageCache.
//
// * HTTPS is verified against the system trust store (with SNI and host name checks);
//   plain HTTP is allowed too (the simulator and tests serve images on loopback).
// * Every fetch has one deadline (`timeout`, default 1.5 s) covering DNS, connect, TLS,
//   redirects and the body; a fetch past its deadline fails at the deadline.
// * The body is bounded (`max_bytes`), only image/png, image/jpeg, image/gif and
//   image/webp are accepted (the bytes are sniffed too; the server's claim alone is not
//   trusted), at most `max_redirects` redirects are followed, to http(s) URLs only.
// * Single flight: while a URL is being fetched, further requests for it wait for that
//   one fetch (at most `max_waiters_per_url`; beyond that they fail at once). At most
//   `max_in_flight` distinct URLs are fetched at a time; beyond that a request fails at once.
// * Results, failures included, go into the cache (failures with the cache's shorter
//   failure TTL), so a dead CDN URL costs one timeout per failure TTL, not one per card.
//
// Threading: fetch() and cached() may be called from any thread and never block on I/O.
// Callbacks run on a strand of the executor given to the constructor, or inline in
// fetch() when the answer is known at once (cache hit, limit reached). Each callback is
// called exactly once. The fetcher keeps its internals alive while fetches are in flight,
// so it may be destroyed with fetches pending, as long as the executor's io_context
// outlives them; `cache` must outlive the fetcher and its in-flight fetches.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "card/image_cache.h"

namespace lantern::card {

struct FetcherConfig {
  std::chrono::milliseconds timeout{1500};
  std::size_t max_bytes = 1u << 20;
  int max_redirects = 2;
  std::size_t max_waiters_per_url = 256;
  std::size_t max_in_flight = 64;
  std::string user_agent = "Lantern (profile card images)";
};

class ImageFetcher {
 public:
  // Called with the image, never null; `ok()` is false when the fetch failed.
  using Callback = std::function<void(CachedImagePtr)>;

  ImageFetcher(boost::asio::any_io_executor executor, ImageCache& cache, FetcherConfig config);
  ~ImageFetcher();
  ImageFetcher(const ImageFetcher&) = delete;
  ImageFetcher& operator=(const ImageFetcher&) = delete;

  // The cached entry for `url` (failures included), or null when it must be fetched.
  CachedImagePtr cached(std::string_view url) const;

  // Delivers the image at `url` to `done`: from the cache, by joining the fetch of `url`
  // in flight, or by starting one.
  void fetch(const std::string& url, Callback done);

  const FetcherConfig& config() const;

  // Fetches started since construction (not counting cache hits and joined waiters).
  std::uint64_t fetches_started() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace lantern::card
