// AuthThrottle with an explicit clock: buckets, refill, Retry-After, address
// grouping, the memory bound, and concurrent use.
#include "http/auth_throttle.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace lantern::http {
namespace {

using std::chrono::seconds;
using Clock = AuthThrottle::Clock;

const Clock::time_point kStart = Clock::time_point() + std::chrono::hours(1);

TEST(AuthThrottle, AllowsTheBurstThenOneFailurePerRefill) {
  AuthThrottle throttle({10, seconds(60), 100});
  for (int i = 0; i < 10; ++i) {
    ASSERT_FALSE(throttle.check("192.0.2.1", kStart)) << i;
    throttle.record_failure("192.0.2.1", kStart);
  }
  ASSERT_EQ(throttle.check("192.0.2.1", kStart), seconds(6));  // 60 s / 10
  EXPECT_EQ(throttle.check("192.0.2.1", kStart + seconds(4)), seconds(2));
  EXPECT_EQ(throttle.check("192.0.2.1", kStart + seconds(5) + std::chrono::milliseconds(500)),
            seconds(1));  // rounded up, never 0
  EXPECT_FALSE(throttle.check("192.0.2.1", kStart + seconds(6)));
  throttle.record_failure("192.0.2.1", kStart + seconds(6));
  EXPECT_EQ(throttle.check("192.0.2.1", kStart + seconds(6)), seconds(6));
  // Other addresses are unaffected.
  EXPECT_FALSE(throttle.check("192.0.2.2", kStart));
}

TEST(AuthThrottle, FullyRefilledAfterTheWindow) {
  AuthThrottle throttle({3, seconds(30), 100});
  for (int i = 0; i < 3; ++i) throttle.record_failure("192.0.2.1", kStart);
  ASSERT_TRUE(throttle.check("192.0.2.1", kStart));
  const auto later = kStart + seconds(30);
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(throttle.check("192.0.2.1", later)) << i;
    throttle.record_failure("192.0.2.1", later);
  }
  EXPECT_TRUE(throttle.check("192.0.2.1", later));
}

TEST(AuthThrottle, ExpiredBucketsAreDropped) {
  AuthThrottle throttle({3, seconds(30), 100});
  throttle.record_failure("192.0.2.1", kStart);
  throttle.record_failure("192.0.2.2", kStart + seconds(5));
  EXPECT_EQ(throttle.tracked(), 2u);
  // One failure of 3-per-30 s refills in 10 s: 192.0.2.1 is full again and forgotten.
  throttle.record_failure("192.0.2.3", kStart + seconds(12));
  EXPECT_EQ(throttle.tracked(), 2u);
  EXPECT_FALSE(throttle.check("192.0.2.1", kStart + seconds(12)));
}

TEST(AuthThrottle, MemoryIsBoundedByForgettingTheOldest) {
  AuthThrottle throttle({2, seconds(60), 3});
  for (int i = 0; i < 2; ++i) throttle.record_failure("10.0.0.1", kStart);
  throttle.record_failure("10.0.0.2", kStart + seconds(1));
  throttle.record_failure("10.0.0.3", kStart + seconds(2));
  ASSERT_TRUE(throttle.check("10.0.0.1", kStart + seconds(2)));
  throttle.record_failure("10.0.0.4", kStart + seconds(3));
  EXPECT_EQ(throttle.tracked(), 3u);
  EXPECT_FALSE(throttle.check("10.0.0.1", kStart + seconds(3)));  // the oldest went
}

TEST(AuthThrottle, ZeroDisables) {
  for (const AuthThrottleOptions options :
       {AuthThrottleOptions{0, seconds(60), 100}, AuthThrottleOptions{10, seconds(0), 100}}) {
    AuthThrottle throttle(options);
    for (int i = 0; i < 100; ++i) throttle.record_failure("192.0.2.1", kStart);
    EXPECT_FALSE(throttle.check("192.0.2.1", kStart));
    EXPECT_EQ(throttle.tracked(), 0u);
  }
}

TEST(AuthThrottle, FailuresWhileThrottledDoNotExtendBeyondOneWindow) {
  AuthThrottle throttle({2, seconds(60), 100});
  for (int i = 0; i < 50; ++i) throttle.record_failure("192.0.2.1", kStart);
  EXPECT_EQ(throttle.check("192.0.2.1", kStart), seconds(30));
  EXPECT_FALSE(throttle.check("192.0.2.1", kStart + seconds(30)));
}

TEST(AuthThrottle, Ipv6IsGroupedBySlash64) {
  EXPECT_EQ(AuthThrottle::bucket_key("2001:db8:1:2:aaaa::1"), "v6:20010db800010002/64");
  EXPECT_EQ(AuthThrottle::bucket_key("2001:db8:1:2:bbbb::2"), "v6:20010db800010002/64");
  EXPECT_EQ(AuthThrottle::bucket_key("[2001:db8:1:3::1]"), "v6:20010db800010003/64");
  EXPECT_EQ(AuthThrottle::bucket_key("fe80::1%eth0"), "v6:fe80000000000000/64");
  EXPECT_EQ(AuthThrottle::bucket_key("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(AuthThrottle::bucket_key("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(AuthThrottle::bucket_key("not:an address"), "not:an address");

  AuthThrottle throttle({1, seconds(60), 100});
  throttle.record_failure("2001:db8:1:2::1", kStart);
  EXPECT_TRUE(throttle.check("2001:db8:1:2::ffff", kStart));
  EXPECT_FALSE(throttle.check("2001:db8:1:3::1", kStart));
}

TEST(AuthThrottle, ConcurrentFailuresAreAllCounted) {
  AuthThrottle throttle({1000, seconds(3600), 100});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&throttle, t] {
      for (int i = 0; i < 250; ++i) {
        throttle.record_failure("192.0.2.1", kStart);
        throttle.record_failure("10.0." + std::to_string(t) + "." + std::to_string(i), kStart);
        (void)throttle.check("192.0.2.1", kStart);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(throttle.check("192.0.2.1", kStart));  // exactly 1000 failures: empty bucket
  EXPECT_EQ(throttle.tracked(), 100u);
}

}  // namespace
}  // namespace lantern::http
