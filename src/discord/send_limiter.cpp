#include "discord/send_limiter.h"

namespace lantern::discord {

SendLimiter::SendLimiter(std::size_t limit, std::chrono::milliseconds window, std::size_t reserved)
    : limit_(limit), window_(window), reserved_(reserved < limit ? reserved : 0) {}

void SendLimiter::expire(Clock::time_point now) {
  while (!sent_.empty() && sent_.front() + window_ <= now) sent_.pop_front();
}

bool SendLimiter::allows(Clock::time_point now, bool priority) {
  expire(now);
  return sent_.size() < capacity(priority);
}

void SendLimiter::record(Clock::time_point now) {
  expire(now);
  sent_.push_back(now);
  while (sent_.size() > limit_) sent_.pop_front();
}

SendLimiter::Clock::time_point SendLimiter::next_allowed(Clock::time_point now, bool priority) {
  expire(now);
  const std::size_t cap = capacity(priority);
  if (sent_.size() < cap) return now;
  // The send that must expire first is the (size - cap)-th oldest.
  return sent_[sent_.size() - cap] + window_;
}

}  // namespace lantern::discord
