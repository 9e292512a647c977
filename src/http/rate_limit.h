// RateLimiter: per-client-address token buckets for the REST API (issue 7),
// and the adapter that puts them in front of routes.
//
// Model: every address has a bucket of `burst` tokens refilled at
// `requests_per_second`. A request takes one token; a request that finds the
// bucket empty is answered 429 {"error": "You are being rate limited."} without
// reaching the route. Buckets are kept as a "theoretical arrival time" (GCRA):
// one time point per address, exact integer clock arithmetic, no timers.
//
// Headers on every response of a limited route (429 or not):
//   X-RateLimit-Limit      the burst (bucket size)
//   X-RateLimit-Remaining  whole tokens left after this request
//   X-RateLimit-Reset      whole seconds (rounded up) until the bucket is full
//   Retry-After            on 429 only: whole seconds (>= 1) until one token
// CORS preflights (OPTIONS) are neither counted nor limited: browsers send them
// on their own, and they would halve a browser client's budget.
//
// Addresses are grouped like AuthThrottle::bucket_key: IPv4 one by one, IPv6 by
// /64, IPv4-mapped IPv6 as IPv4. The address is Request::client_address, which
// the server fills according to server.trust_proxy.
//
// Memory is bounded: at most `max_addresses` buckets (about 100 bytes each plus
// the key). A bucket that has refilled completely is equivalent to no bucket and
// is dropped; when a shard is full its least recently used address is forgotten
// (that address gets a fresh burst: an attacker needs `max_addresses` addresses
// of their own to do that to someone else).
//
// Threading: take() may be called from any thread. Buckets are spread over
// `shards` independently locked shards, each lock held for O(1) amortised work,
// so concurrent requests from different addresses rarely contend.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/message.h"
#include "http/router.h"

namespace lantern::http {

class Counter;

struct RateLimitOptions {
  // false: every request passes and no X-RateLimit-* header is added.
  bool enabled = true;
  // Refill rate (> 0, finite) and bucket size (>= 1).
  double requests_per_second = 10;
  std::size_t burst = 30;
  // Upper bound on tracked addresses, over all shards.
  std::size_t max_addresses = 100000;
  std::size_t shards = 16;
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  using Now = std::function<Clock::time_point()>;

  // Throws std::invalid_argument for an enabled limiter with a rate that is
  // not positive and finite, a zero burst, or zero shards/max_addresses (config
  // validation should have refused them). `now` is the clock (tests inject one).
  explicit RateLimiter(RateLimitOptions options = {}, Now now = &Clock::now);
  ~RateLimiter();

  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  struct Decision {
    bool allowed = true;
    std::size_t limit = 0;                // X-RateLimit-Limit
    std::size_t remaining = 0;            // X-RateLimit-Remaining
    std::chrono::seconds reset{0};        // X-RateLimit-Reset
    std::chrono::seconds retry_after{0};  // Retry-After, when !allowed (>= 1)
  };

  // Takes one token for `address` (at the injected clock's now, or at `now`).
  Decision take(std::string_view address);
  Decision take(std::string_view address, Clock::time_point now);

  bool enabled() const { return options_.enabled; }
  const RateLimitOptions& options() const { return options_; }
  // Addresses currently tracked (tests, metrics).
  std::size_t tracked() const;

 private:
  struct Shard;

  RateLimitOptions options_;
  Now now_;
  Clock::duration interval_{};  // time to refill one token
  Clock::duration capacity_{};  // interval_ * burst: an empty bucket's full refill
  std::size_t per_shard_ = 0;
  std::vector<std::unique_ptr<Shard>> shards_;
};

// The 429 answer (with its headers) for a refused decision.
Response rate_limited_response(const RateLimiter::Decision& decision);
// Adds the X-RateLimit-* headers of `decision` to `response`.
void add_rate_limit_headers(Response& response, const RateLimiter::Decision& decision);

// `handler` behind `limiter`: the request takes a token first; over the limit
// it gets the 429, otherwise the handler's response gets the headers.
// `rejected` (optional) counts the 429s. `limiter` and `rejected` must outlive
// the returned handler.
Handler rate_limited(RateLimiter& limiter, Handler handler, Counter* rejected = nullptr);

// Puts a whole router behind the limiter without touching how its routes were
// added: for every pattern in `patterns`, `outer` gets a route for every method
// that forwards to `inner` (which answers 404/405/OPTIONS/HEAD itself) after
// rate_limited(). Use it for the API routes, which add_users_routes and
// add_storage_routes register on a Router of their own:
//
//   mount_rate_limited(router_, api_router_, limiter_, {"/api/v1/users", ...});
//
// `inner`, `limiter` and `rejected` must outlive `outer`. A request that
// matches none of `patterns` never reaches `inner`.
void mount_rate_limited(Router& outer, const Router& inner, RateLimiter& limiter,
                        const std::vector<std::string>& patterns, Counter* rejected = nullptr);

}  // namespace lantern::http
