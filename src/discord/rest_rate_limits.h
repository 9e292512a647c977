// RestRateLimits: the client-side model of Discord's REST rate limits
// (discord-protocol.md section 6): per-route buckets learnt from the
// X-RateLimit-* headers, the global limit (50 requests/s, and global 429s),
// and 429 answers with retry_after.
//
// Pure bookkeeping, no I/O: the REST client asks ready_at() before sending a
// request and reports every answer. Not thread-safe; used from the REST
// client's strand.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>

#include "discord/send_limiter.h"

namespace lantern::discord {

// The rate-limit headers of one response (absent headers stay nullopt).
struct RateLimitHeaders {
  std::optional<long> remaining;        // X-RateLimit-Remaining
  std::optional<double> reset_after_s;  // X-RateLimit-Reset-After
  std::optional<std::string> bucket;    // X-RateLimit-Bucket
  std::optional<std::string> scope;     // X-RateLimit-Scope: user | global | shared
  bool global = false;                  // X-RateLimit-Global: true
  std::optional<double> retry_after_s;  // Retry-After (whole seconds)
};

class RestRateLimits {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RestRateLimits(std::size_t global_per_second = 50);

  // The earliest moment a request on `route` may be sent (now when it may go at once).
  Clock::time_point ready_at(const std::string& route, Clock::time_point now);
  // A request on `route` is being sent at `now` (counts against the global window
  // and the bucket's known remaining).
  void on_sent(const std::string& route, Clock::time_point now);
  // Any answer other than 429.
  void on_response(const std::string& route, const RateLimitHeaders& headers,
                   Clock::time_point now);
  // A 429. `body_retry_after_s`/`body_global` come from the JSON body when it
  // could be parsed. Returns how long to wait before retrying.
  std::chrono::milliseconds on_rate_limited(const std::string& route,
                                            const RateLimitHeaders& headers,
                                            std::optional<double> body_retry_after_s,
                                            bool body_global, Clock::time_point now);

 private:
  struct Bucket {
    std::optional<long> remaining;
    Clock::time_point reset_at{};
  };
  static constexpr std::size_t kMaxTracked = 4096;
  Bucket& bucket_for(const std::string& route);
  void prune(Clock::time_point now);

  std::unordered_map<std::string, std::string> route_to_bucket_;  // route -> X-RateLimit-Bucket
  std::unordered_map<std::string, Bucket> buckets_;               // bucket hash (or route) -> state
  Clock::time_point global_blocked_until_{};
  SendLimiter global_window_;
};

// Milliseconds for a seconds value from a header or body, rounded up, never negative.
std::chrono::milliseconds seconds_to_ms(double seconds);

}  // namespace lantern::discord
