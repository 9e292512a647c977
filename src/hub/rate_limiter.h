// RateLimiter: the inbound frame limit of one session, as a token bucket that
// holds `capacity` tokens and refills `capacity` per `window_ms` (so a client
// may burst the whole allowance, then sustain the average rate).
//
// Not thread-safe: owned by one session and used from its strand only. Times
// are passed in (any monotonic millisecond clock) so tests need no clock.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lantern::hub {

class RateLimiter {
 public:
  RateLimiter(std::size_t capacity, std::int64_t window_ms, std::int64_t now_ms);

  // Takes one token; false when none is left (the frame exceeds the rate).
  bool try_acquire(std::int64_t now_ms);

 private:
  double capacity_;
  double tokens_;
  double per_ms_;
  std::int64_t last_ms_;
};

}  // namespace lantern::hub
