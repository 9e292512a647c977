#include "discord/rest_rate_limits.h"

#include <algorithm>
#include <cmath>

namespace lantern::discord {

std::chrono::milliseconds seconds_to_ms(double seconds) {
  if (!(seconds > 0)) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000.0)));
}

RestRateLimits::RestRateLimits(std::size_t global_per_second)
    : global_window_(global_per_second, std::chrono::seconds(1), 0) {}

void RestRateLimits::prune(Clock::time_point now) {
  // Interaction routes are unique per interaction: forget what no longer limits anything.
  if (buckets_.size() > kMaxTracked) {
    std::erase_if(buckets_, [now](const auto& entry) { return entry.second.reset_at <= now; });
  }
  if (route_to_bucket_.size() > kMaxTracked) route_to_bucket_.clear();
}

RestRateLimits::Bucket& RestRateLimits::bucket_for(const std::string& route) {
  auto known = route_to_bucket_.find(route);
  // Routes sharing a bucket hash share state; unknown routes are their own bucket.
  return buckets_[known != route_to_bucket_.end() ? "b:" + known->second : "r:" + route];
}

RestRateLimits::Clock::time_point RestRateLimits::ready_at(const std::string& route,
                                                           Clock::time_point now) {
  Clock::time_point ready = std::max(now, global_blocked_until_);
  ready = std::max(ready, global_window_.next_allowed(now, false));
  const Bucket& bucket = bucket_for(route);
  if (bucket.remaining && *bucket.remaining <= 0 && bucket.reset_at > now) {
    ready = std::max(ready, bucket.reset_at);
  }
  return ready;
}

void RestRateLimits::on_sent(const std::string& route, Clock::time_point now) {
  global_window_.record(now);
  Bucket& bucket = bucket_for(route);
  if (bucket.remaining && bucket.reset_at <= now) bucket.remaining.reset();
  if (bucket.remaining && *bucket.remaining > 0) --*bucket.remaining;
}

void RestRateLimits::on_response(const std::string& route, const RateLimitHeaders& headers,
                                 Clock::time_point now) {
  prune(now);
  if (headers.bucket) route_to_bucket_[route] = *headers.bucket;
  Bucket& bucket = bucket_for(route);
  if (headers.remaining) bucket.remaining = *headers.remaining;
  if (headers.reset_after_s) bucket.reset_at = now + seconds_to_ms(*headers.reset_after_s);
}

std::chrono::milliseconds RestRateLimits::on_rate_limited(const std::string& route,
                                                          const RateLimitHeaders& headers,
                                                          std::optional<double> body_retry_after_s,
                                                          bool body_global, Clock::time_point now) {
  std::optional<double> seconds = body_retry_after_s;
  if (!seconds) seconds = headers.retry_after_s;
  if (!seconds) seconds = headers.reset_after_s;
  // Without any hint, wait a second rather than hammering.
  const std::chrono::milliseconds wait =
      seconds ? seconds_to_ms(*seconds) : std::chrono::seconds(1);
  const bool global = body_global || headers.global || headers.scope == "global";
  if (global) {
    global_blocked_until_ = std::max(global_blocked_until_, now + wait);
  } else {
    if (headers.bucket) route_to_bucket_[route] = *headers.bucket;
    Bucket& bucket = bucket_for(route);
    bucket.remaining = 0;
    bucket.reset_at = std::max(bucket.reset_at, now + wait);
  }
  return wait;
}

}  // namespace lantern::discord
