// RateLimiter: token buckets per address with an injected clock (no sleeps),
// the 429 and its headers, the memory bound, thread safety, and the adapters
// that put routes behind it.
#include "http/rate_limit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http/metrics.h"

namespace lantern::http {
namespace {

using Clock = RateLimiter::Clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

const Clock::time_point kStart = Clock::time_point{} + std::chrono::hours(1000);

RateLimitOptions options(double rps, std::size_t burst, std::size_t max_addresses = 100000) {
  RateLimitOptions o;
  o.requests_per_second = rps;
  o.burst = burst;
  o.max_addresses = max_addresses;
  return o;
}

TEST(RateLimiter, BurstThenRefusedWithRetryAfter) {
  RateLimiter limiter(options(1, 3));
  for (std::size_t i = 0; i < 3; ++i) {
    const auto d = limiter.take("203.0.113.1", kStart);
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.limit, 3u);
    EXPECT_EQ(d.remaining, 2 - i);
    EXPECT_EQ(d.reset, seconds(i + 1));  // until the bucket is full again
  }
  const auto refused = limiter.take("203.0.113.1", kStart);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0u);
  EXPECT_EQ(refused.retry_after, seconds(1));
  EXPECT_EQ(refused.reset, seconds(3));
  // Refused requests do not take tokens: the wait does not grow.
  EXPECT_EQ(limiter.take("203.0.113.1", kStart + milliseconds(500)).retry_after, seconds(1));
}

TEST(RateLimiter, RefillsOverTime) {
  RateLimiter limiter(options(2, 2));  // a token every 500 ms
  EXPECT_TRUE(limiter.take("a", kStart).allowed);
  EXPECT_TRUE(limiter.take("a", kStart).allowed);
  EXPECT_FALSE(limiter.take("a", kStart).allowed);
  EXPECT_FALSE(limiter.take("a", kStart + milliseconds(499)).allowed);
  const auto one = limiter.take("a", kStart + milliseconds(500));
  EXPECT_TRUE(one.allowed);
  EXPECT_EQ(one.remaining, 0u);
  EXPECT_FALSE(limiter.take("a", kStart + milliseconds(500)).allowed);
  // After a long pause the bucket holds `burst` tokens, never more.
  const Clock::time_point later = kStart + std::chrono::hours(1);
  EXPECT_EQ(limiter.take("a", later).remaining, 1u);
  EXPECT_TRUE(limiter.take("a", later).allowed);
  EXPECT_FALSE(limiter.take("a", later).allowed);
}

TEST(RateLimiter, SlowRateGivesLongRetryAfterRoundedUp) {
  RateLimiter limiter(options(0.4, 1));  // a token every 2.5 s
  EXPECT_TRUE(limiter.take("a", kStart).allowed);
  const auto refused = limiter.take("a", kStart + milliseconds(100));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, seconds(3));  // 2.4 s rounded up
  EXPECT_EQ(refused.reset, seconds(3));
}

TEST(RateLimiter, AddressesAreIsolated) {
  RateLimiter limiter(options(1, 1));
  EXPECT_TRUE(limiter.take("198.51.100.1", kStart).allowed);
  EXPECT_FALSE(limiter.take("198.51.100.1", kStart).allowed);
  EXPECT_TRUE(limiter.take("198.51.100.2", kStart).allowed);
  // IPv6 addresses share their /64; IPv4-mapped IPv6 is the IPv4 address.
  EXPECT_TRUE(limiter.take("2001:db8:1:2::1", kStart).allowed);
  EXPECT_FALSE(limiter.take("2001:db8:1:2::ffff", kStart).allowed);
  EXPECT_TRUE(limiter.take("2001:db8:1:3::1", kStart).allowed);
  EXPECT_FALSE(limiter.take("::ffff:198.51.100.2", kStart).allowed);
}

TEST(RateLimiter, DisabledAllowsEverything) {
  RateLimitOptions o = options(1, 1);
  o.enabled = false;
  RateLimiter limiter(o);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.take("a", kStart).allowed);
  EXPECT_EQ(limiter.tracked(), 0u);
}

TEST(RateLimiter, InvalidOptionsThrow) {
  EXPECT_THROW(RateLimiter(options(0, 1)), std::invalid_argument);
  EXPECT_THROW(RateLimiter(options(-1, 1)), std::invalid_argument);
  EXPECT_THROW(RateLimiter(options(std::numeric_limits<double>::infinity(), 1)),
               std::invalid_argument);
  EXPECT_THROW(RateLimiter(options(std::numeric_limits<double>::quiet_NaN(), 1)),
               std::invalid_argument);
  EXPECT_THROW(RateLimiter(options(1, 0)), std::invalid_argument);
  EXPECT_THROW(RateLimiter(options(1, 1, 0)), std::invalid_argument);
}

TEST(RateLimiter, MemoryStaysBounded) {
  RateLimiter limiter(options(1, 5, /*max_addresses=*/1000));
  for (int i = 0; i < 100000; ++i) {
    const std::string address = "10." + std::to_string(i / 65536) + "." +
                                std::to_string((i / 256) % 256) + "." + std::to_string(i % 256);
    ASSERT_TRUE(limiter.take(address, kStart).allowed);
    ASSERT_LE(limiter.tracked(), 1000u) << i;
  }
  EXPECT_GE(limiter.tracked(), 900u);  // the shards are used, not just one
  // Buckets that have refilled are forgotten as the clock moves on.
  for (int i = 0; i < 64; ++i) limiter.take("fresh-" + std::to_string(i), kStart + seconds(60));
  EXPECT_LE(limiter.tracked(), 64u);
}

TEST(RateLimiter, ConcurrentTakesGrantExactlyTheBurst) {
  // Time stands still, so across all threads exactly `burst` requests per
  // address may pass.
  constexpr std::size_t kBurst = 50;
  RateLimiter limiter(options(1, kBurst));
  constexpr int kThreads = 8;
  constexpr int kAddresses = 16;
  std::vector<std::atomic<int>> granted(kAddresses);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 40; ++round) {
        for (int a = 0; a < kAddresses; ++a) {
          if (limiter.take("192.0.2." + std::to_string(a), kStart).allowed) ++granted[a];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int a = 0; a < kAddresses; ++a) EXPECT_EQ(granted[a].load(), static_cast<int>(kBurst)) << a;
}

// ---- the adapters -------------------------------------------------------------

struct Answer {
  std::optional<Response> response;
  Respond respond() {
    return [this](Response r) { response = std::move(r); };
  }
  std::string header(std::string_view name) const {
    for (const auto& [n, v] : response->headers) {
      if (n == name) return v;
    }
    return "<absent>";
  }
};

class RateLimitedHandlerTest : public ::testing::Test {
 protected:
  Clock::time_point now_ = kStart;
  RateLimiter limiter_{options(1, 2), [this] { return now_; }};
  Metrics metrics_;
  Counter& rejected_ = metrics_.counter("lantern_http_rate_limited_total", "429s.");
  int calls_ = 0;
  Handler handler_ = rate_limited(
      limiter_,
      [this](const Request&, Respond respond) {
        ++calls_;
        respond(json_body("{}"));
      },
      &rejected_);

  Answer call(std::string address, Method method = Method::kGet) {
    Request request;
    request.method = method;
    request.path = "/api/v1/users/1";
    request.client_address = std::move(address);
    Answer answer;
    handler_(request, answer.respond());
    EXPECT_TRUE(answer.response.has_value());
    return answer;
  }
};

TEST_F(RateLimitedHandlerTest, HeadersOnEveryResponseAnd429OverLimit) {
  auto first = call("203.0.113.9");
  EXPECT_EQ(first.response->status, 200u);
  EXPECT_EQ(first.header("X-RateLimit-Limit"), "2");
  EXPECT_EQ(first.header("X-RateLimit-Remaining"), "1");
  EXPECT_EQ(first.header("X-RateLimit-Reset"), "1");
  EXPECT_EQ(first.header("Retry-After"), "<absent>");
  EXPECT_EQ(call("203.0.113.9").header("X-RateLimit-Remaining"), "0");

  auto limited = call("203.0.113.9");
  EXPECT_EQ(limited.response->status, 429u);
  EXPECT_EQ(limited.response->body, "{\"error\":\"You are being rate limited.\"}");
  EXPECT_EQ(limited.response->content_type, "application/json; charset=utf-8");
  EXPECT_EQ(limited.header("Retry-After"), "1");
  EXPECT_EQ(limited.header("X-RateLimit-Limit"), "2");
  EXPECT_EQ(limited.header("X-RateLimit-Remaining"), "0");
  EXPECT_EQ(limited.header("X-RateLimit-Reset"), "2");
  EXPECT_EQ(calls_, 2);
  EXPECT_EQ(rejected_.value(), 1u);

  // Another address is unaffected; the first one recovers with the clock.
  EXPECT_EQ(call("203.0.113.10").response->status, 200u);
  now_ += seconds(1);
  EXPECT_EQ(call("203.0.113.9").response->status, 200u);
  EXPECT_EQ(calls_, 4);
}

TEST_F(RateLimitedHandlerTest, PreflightIsNotCounted) {
  for (int i = 0; i < 10; ++i) {
    auto answer = call("203.0.113.9", Method::kOptions);
    EXPECT_EQ(answer.response->status, 200u);
    EXPECT_EQ(answer.header("X-RateLimit-Limit"), "<absent>");
  }
  EXPECT_EQ(call("203.0.113.9").header("X-RateLimit-Remaining"), "1");
}

TEST(MountRateLimited, ForwardsEveryMethodAndKeepsRouterAnswers) {
  Router inner;
  inner.add(Method::kGet, "/api/v1/users/{}", [](const Request& request, Respond respond) {
    respond(json_body("\"" + request.path_params.at(0) + "\""));
  });
  inner.add(Method::kPut, "/api/v1/users/{}/storage/{}",
            [](const Request& request, Respond respond) {
              respond(json_body("\"" + request.path_params.at(1) + "\""));
            });
  RateLimiter limiter(options(1, 4), [] { return kStart; });
  Router outer;
  mount_rate_limited(outer, inner, limiter, {"/api/v1/users/{}", "/api/v1/users/{}/storage/{}"});

  auto send = [&](Method method, std::string path) {
    Request request;
    request.method = method;
    request.path = std::move(path);
    request.client_address = "198.51.100.7";
    Answer answer;
    outer.dispatch(request, answer.respond());
    return answer;
  };
  auto get = send(Method::kGet, "/api/v1/users/42");
  EXPECT_EQ(get.response->status, 200u);
  EXPECT_EQ(get.response->body, "\"42\"");
  EXPECT_EQ(get.header("X-RateLimit-Remaining"), "3");
  auto put = send(Method::kPut, "/api/v1/users/42/storage/color");
  EXPECT_EQ(put.response->body, "\"color\"");
  auto wrong = send(Method::kDelete, "/api/v1/users/42");  // inner answers 405 with Allow
  EXPECT_EQ(wrong.response->status, 405u);
  EXPECT_EQ(wrong.header("Allow"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(wrong.header("X-RateLimit-Remaining"), "1");
  auto preflight = send(Method::kOptions, "/api/v1/users/42");
  EXPECT_EQ(preflight.response->status, 204u);
  EXPECT_EQ(send(Method::kHead, "/api/v1/users/42").response->status, 200u);
  EXPECT_EQ(send(Method::kGet, "/api/v1/users/43").response->status, 429u);
  EXPECT_EQ(send(Method::kGet, "/elsewhere").response->status, 404u);  // not mounted
}

}  // namespace
}  // namespace lantern::http
