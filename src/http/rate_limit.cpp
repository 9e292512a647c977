#include "http/rate_limit.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "http/auth_throttle.h"
#include "http/metrics.h"

namespace lantern::http {
namespace {

std::chrono::seconds ceil_seconds(RateLimiter::Clock::duration d) {
  if (d <= RateLimiter::Clock::duration::zero()) return std::chrono::seconds(0);
  return std::chrono::ceil<std::chrono::seconds>(d);
}

}  // namespace

// Buckets of one shard, least recently used first. A bucket is its theoretical
// arrival time `tat`: the moment it will be full again. tat <= now means full,
// which is the same as not being tracked at all.
struct RateLimiter::Shard {
  struct Entry {
    std::string key;
    Clock::time_point tat;
  };
  using Order = std::list<Entry>;

  std::mutex mutex;
  Order order;
  // Keys view into the list nodes, which never move.
  std::unordered_map<std::string_view, Order::iterator> index;
};

RateLimiter::RateLimiter(RateLimitOptions options, Now now)
    : options_(options), now_(std::move(now)) {
  if (!options_.enabled) return;
  if (!(options_.requests_per_second > 0) || !std::isfinite(options_.requests_per_second) ||
      options_.burst == 0 || options_.shards == 0 || options_.max_addresses == 0) {
    throw std::invalid_argument(
        "rate limit: requests_per_second must be > 0 and burst, shards and max_addresses >= 1");
  }
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / options_.requests_per_second));
  interval_ = std::max(interval, Clock::duration(1));
  capacity_ = interval_ * static_cast<Clock::rep>(options_.burst);
  per_shard_ = std::max<std::size_t>(1, options_.max_addresses / options_.shards);
  shards_.reserve(options_.shards);
  for (std::size_t i = 0; i < options_.shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

RateLimiter::~RateLimiter() = default;

RateLimiter::Decision RateLimiter::take(std::string_view address) {
  return take(address, now_());
}

RateLimiter::Decision RateLimiter::take(std::string_view address, Clock::time_point now) {
  Decision decision;
  decision.limit = options_.burst;
  if (!options_.enabled) {
    decision.remaining = options_.burst;
    return decision;
  }
  const std::string key = AuthThrottle::bucket_key(address);
  Shard& shard = *shards_[std::hash<std::string_view>{}(key) % shards_.size()];

  std::lock_guard lock(shard.mutex);
  // Full buckets at the front carry no information: forget them.
  while (!shard.order.empty() && shard.order.front().tat <= now) {
    shard.index.erase(shard.order.front().key);
    shard.order.pop_front();
  }

  const auto found = shard.index.find(key);
  const Clock::time_point tat = found == shard.index.end() ? now : found->second->tat;
  const Clock::time_point next = std::max(tat, now) + interval_;
  decision.allowed = next - now <= capacity_;
  if (!decision.allowed) {
    decision.remaining = 0;
    decision.reset = ceil_seconds(tat - now);
    decision.retry_after = std::max(ceil_seconds(next - capacity_ - now), std::chrono::seconds(1));
    if (found != shard.index.end()) {
      shard.order.splice(shard.order.end(), shard.order, found->second);
    }
    return decision;
  }
  decision.remaining = static_cast<std::size_t>((capacity_ - (next - now)) / interval_);
  decision.reset = ceil_seconds(next - now);

  if (found != shard.index.end()) {
    found->second->tat = next;
    shard.order.splice(shard.order.end(), shard.order, found->second);
    return decision;
  }
  shard.order.push_back(Shard::Entry{key, next});
  const auto inserted = std::prev(shard.order.end());
  shard.index.emplace(inserted->key, inserted);
  while (shard.order.size() > per_shard_) {
    shard.index.erase(shard.order.front().key);
    shard.order.pop_front();
  }
  return decision;
}

std::size_t RateLimiter::tracked() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->order.size();
  }
  return total;
}

void add_rate_limit_headers(Response& response, const RateLimiter::Decision& decision) {
  response.with_header("X-RateLimit-Limit", std::to_string(decision.limit))
      .with_header("X-RateLimit-Remaining", std::to_string(decision.remaining))
      .with_header("X-RateLimit-Reset", std::to_string(decision.reset.count()));
}

Response rate_limited_response(const RateLimiter::Decision& decision) {
  Response response = json_error(429, "You are being rate limited.");
  response.with_header("Retry-After", std::to_string(decision.retry_after.count()));
  add_rate_limit_headers(response, decision);
  return response;
}

Handler rate_limited(RateLimiter& limiter, Handler handler, Counter* rejected) {
  return
      [&limiter, handler = std::move(handler), rejected](const Request& request, Respond respond) {
        if (!limiter.enabled() || request.method == Method::kOptions) {
          return handler(request, std::move(respond));
        }
        const RateLimiter::Decision decision = limiter.take(request.client_address);
        if (!decision.allowed) {
          if (rejected) rejected->inc();
          return respond(rate_limited_response(decision));
        }
        handler(request, [decision, respond = std::move(respond)](Response response) {
          add_rate_limit_headers(response, decision);
          respond(std::move(response));
        });
      };
}

void mount_rate_limited(Router& outer, const Router& inner, RateLimiter& limiter,
                        const std::vector<std::string>& patterns, Counter* rejected) {
  // HEAD reaches the GET route of `outer`; `inner` sees the original method.
  static constexpr Method kMethods[] = {Method::kGet,   Method::kPost,   Method::kPut,
                                        Method::kPatch, Method::kDelete, Method::kOptions,
                                        Method::kOther};
  const Handler forward = [&inner](const Request& request, Respond respond) {
    // Router::dispatch writes path_params into its request; the handler only
    // has a const view, so the inner router works on a copy.
    Request copy = request;
    inner.dispatch(copy, std::move(respond));
  };
  for (const auto& pattern : patterns) {
    for (const Method method : kMethods) {
      outer.add(method, pattern, rate_limited(limiter, forward, rejected));
    }
  }
}

}  // namespace lantern::http
