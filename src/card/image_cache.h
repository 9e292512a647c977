// ImageCache: the card's images as data URIs, keyed by URL, bounded in bytes, with a TTL.
//
// Threading: every method may be called from any thread (one mutex, held for a map
// lookup or update; never during I/O). Entries are immutable and shared, so a reader
// keeps a valid image even after it is evicted.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace lantern::card {

// One fetched image. An empty data_uri records a failed fetch (a "negative" entry that
// keeps a dead URL from costing every card the full timeout); the card then draws the
// placeholder.
struct CachedImage {
  std::string data_uri;

  bool ok() const { return !data_uri.empty(); }
};

using CachedImagePtr = std::shared_ptr<const CachedImage>;

class ImageCache {
 public:
  using Clock = std::chrono::steady_clock;

  struct Config {
    std::size_t max_bytes = 64u << 20;               // URLs + data URIs + per-entry overhead
    Clock::duration ttl = std::chrono::minutes(10);  // images
    Clock::duration failure_ttl = std::chrono::seconds(30);  // negative entries
  };

  explicit ImageCache(Config config);
  ImageCache(const ImageCache&) = delete;
  ImageCache& operator=(const ImageCache&) = delete;

  // The entry for `url` if present and not expired at `now` (an expired one is dropped);
  // a hit makes the entry the most recently used.
  CachedImagePtr get(std::string_view url, Clock::time_point now);

  // Stores `image` for `url` (replacing an older entry), then evicts least recently used
  // entries until the total is within max_bytes. An entry bigger than max_bytes on its
  // own is not stored.
  void put(const std::string& url, CachedImagePtr image, Clock::time_point now);

  std::size_t bytes() const;
  std::size_t size() const;

  // Bytes one entry is charged: its URL, its data URI and a fixed overhead for the
  // bookkeeping around them.
  static std::size_t cost(std::string_view url, const CachedImage& image);

 private:
  struct Entry {
    std::string url;
    CachedImagePtr image;
    Clock::time_point expires;
    std::size_t cost;
  };
  using Lru = std::list<Entry>;  // front = most recently used

  void erase(Lru::iterator it);  // requires mutex_

  const Config config_;
  mutable std::mutex mutex_;
  Lru lru_;
  std::unordered_map<std::string, Lru::iterator> index_;
  std::size_t bytes_ = 0;
};

}  // namespace lantern::card
