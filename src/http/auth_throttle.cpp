#include "http/auth_throttle.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace lantern::http {
namespace {

// "v6:<first 8 bytes in hex>/64", or the dotted IPv4 address of a mapped one.
std::string ipv6_key(const std::array<unsigned char, 16>& bytes) {
  static constexpr std::array<unsigned char, 12> kMappedPrefix{0, 0, 0, 0, 0,    0,
                                                               0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), bytes.begin())) {
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, bytes.data() + 12, text, sizeof text);
    return text;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key = "v6:";
  for (std::size_t i = 0; i < 8; ++i) {
    key += kHex[bytes[i] >> 4];
    key += kHex[bytes[i] & 0xf];
  }
  key += "/64";
  return key;
}

}  // namespace

AuthThrottle::AuthThrottle(AuthThrottleOptions options)
    : options_(options),
      interval_(options.max_failures > 0
                    ? std::chrono::duration_cast<Clock::duration>(options.window) /
                          static_cast<Clock::rep>(options.max_failures)
                    : Clock::duration::zero()) {}

std::string AuthThrottle::bucket_key(std::string_view address) {
  if (address.find(':') == std::string_view::npos) return std::string(address);
  std::string text(address.substr(0, address.find('%')));  // drop a zone id
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1) return std::string(address);
  return ipv6_key(bytes);
}

std::optional<std::chrono::seconds> AuthThrottle::check(std::string_view address,
                                                        Clock::time_point now) {
  if (!enabled()) return std::nullopt;
  const std::string key = bucket_key(address);
  std::lock_guard lock(mutex_);
  const auto it = buckets_.find(key);
  if (it == buckets_.end()) return std::nullopt;
  // The next attempt is allowed once one token has refilled.
  const Clock::time_point allowed_at = it->second.full_at - (options_.window - interval_);
  if (allowed_at <= now) return std::nullopt;
  const auto wait = std::chrono::ceil<std::chrono::seconds>(allowed_at - now);
  return std::max(wait, std::chrono::seconds(1));
}

void AuthThrottle::record_failure(std::string_view address, Clock::time_point now) {
  if (!enabled()) return;
  std::string key = bucket_key(address);
  std::lock_guard lock(mutex_);
  prune(now);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    order_.push_back(key);
    it = buckets_.emplace(std::move(key), Bucket{now, std::prev(order_.end())}).first;
  } else {
    order_.splice(order_.end(), order_, it->second.position);
  }
  // Take one token; an empty bucket stays empty (failures while throttled do
  // not lengthen the wait beyond one window).
  Bucket& bucket = it->second;
  bucket.full_at = std::min(std::max(bucket.full_at, now) + interval_, now + options_.window);
  while (buckets_.size() > options_.max_addresses && !order_.empty()) {
    buckets_.erase(order_.front());
    order_.pop_front();
  }
}

// Buckets are ordered by their last failure; drop full ones from the front (the
// rest go when they reach it, or by the size bound).
void AuthThrottle::prune(Clock::time_point now) {
  while (!order_.empty()) {
    const auto it = buckets_.find(order_.front());
    if (it != buckets_.end() && it->second.full_at > now) break;
    if (it != buckets_.end()) buckets_.erase(it);
    order_.pop_front();
  }
}

std::size_t AuthThrottle::tracked() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace lantern::http
