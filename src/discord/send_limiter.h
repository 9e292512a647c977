// SendLimiter: a sliding-window limit on gateway sends (Discord allows 120
// payloads per connection per 60 s; op 3 also 5 per 20 s).
//
// `reserved` slots of the window are kept for priority sends (heartbeats), so
// that ordinary traffic can never starve them. Not thread-safe: owned by the
// gateway connection and used from its strand.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>

namespace lantern::discord {

class SendLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  SendLimiter(std::size_t limit, std::chrono::milliseconds window, std::size_t reserved);

  // True when a send of this priority may go out at `now`.
  bool allows(Clock::time_point now, bool priority);
  // Records a send made at `now`.
  void record(Clock::time_point now);
  // The earliest moment a send of this priority will be allowed.
  Clock::time_point next_allowed(Clock::time_point now, bool priority);
  void clear() { sent_.clear(); }

 private:
  void expire(Clock::time_point now);
  std::size_t capacity(bool priority) const { return priority ? limit_ : limit_ - reserved_; }

  std::size_t limit_;
  std::chrono::milliseconds window_;
  std::size_t reserved_;
  std::deque<Clock::time_point> sent_;  // at most limit_ entries
};

}  // namespace lantern::discord
