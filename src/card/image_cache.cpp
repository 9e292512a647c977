#include "card/image_cache.h"

namespace lantern::card {

namespace {
constexpr std::size_t kEntryOverhead = 128;
}

ImageCache::ImageCache(Config config) : config_(config) {}

std::size_t ImageCache::cost(std::string_view url, const CachedImage& image) {
  return url.size() + image.data_uri.size() + kEntryOverhead;
}

CachedImagePtr ImageCache::get(std::string_view url, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto found = index_.find(std::string(url));
  if (found == index_.end()) return nullptr;
  auto it = found->second;
  if (it->expires <= now) {
    erase(it);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it);
  return it->image;
}

void ImageCache::put(const std::string& url, CachedImagePtr image, Clock::time_point now) {
  if (!image) return;
  const std::size_t entry_cost = cost(url, *image);
  const auto ttl = image->ok() ? config_.ttl : config_.failure_ttl;
  std::lock_guard lock(mutex_);
  if (auto found = index_.find(url); found != index_.end()) erase(found->second);
  if (entry_cost > config_.max_bytes) return;
  lru_.push_front(Entry{url, std::move(image), now + ttl, entry_cost});
  index_.emplace(url, lru_.begin());
  bytes_ += entry_cost;
  while (bytes_ > config_.max_bytes) erase(std::prev(lru_.end()));
}

void ImageCache::erase(Lru::iterator it) {
  bytes_ -= it->cost;
  index_.erase(it->url);
  lru_.erase(it);
}

std::size_t ImageCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::size_t ImageCache::size() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

}  // namespace lantern::card
