#include "hub/rate_limiter.h"

#include <algorithm>

namespace lantern::hub {

RateLimiter::RateLimiter(std::size_t capacity, std::int64_t window_ms, std::int64_t now_ms)
    : capacity_(static_cast<double>(capacity)),
      tokens_(capacity_),
      per_ms_(capacity_ / static_cast<double>(std::max<std::int64_t>(window_ms, 1))),
      last_ms_(now_ms) {}

bool RateLimiter::try_acquire(std::int64_t now_ms) {
  if (now_ms > last_ms_) {
    tokens_ = std::min(capacity_, tokens_ + static_cast<double>(now_ms - last_ms_) * per_ms_);
    last_ms_ = now_ms;
  }
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

}  // namespace lantern::hub
