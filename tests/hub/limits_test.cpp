// RateLimiter, AddressLimiter and Frame's zlib form.
#include <gtest/gtest.h>
#include <zlib.h>

#include "hub/address_limiter.h"
#include "hub/frame.h"
#include "hub/rate_limiter.h"

namespace lantern::hub {
namespace {

TEST(RateLimiterTest, AllowsABurstOfCapacityThenRefillsOverTheWindow) {
  RateLimiter limiter(3, 60000, 0);
  EXPECT_TRUE(limiter.try_acquire(0));
  EXPECT_TRUE(limiter.try_acquire(0));
  EXPECT_TRUE(limiter.try_acquire(0));
  EXPECT_FALSE(limiter.try_acquire(0));
  EXPECT_FALSE(limiter.try_acquire(19999));
  EXPECT_TRUE(limiter.try_acquire(20000));  // one token per 20 s
  EXPECT_FALSE(limiter.try_acquire(20000));
  EXPECT_TRUE(limiter.try_acquire(1000000));
  EXPECT_TRUE(limiter.try_acquire(1000000));
  EXPECT_TRUE(limiter.try_acquire(1000000));
  EXPECT_FALSE(limiter.try_acquire(1000000)) << "never more than the capacity";
}

TEST(AddressLimiterTest, RefusesPastTheLimitAndFreesSlotsOnRelease) {
  AddressLimiter limiter(2);
  auto a = limiter.try_acquire("10.0.0.1");
  auto b = limiter.try_acquire("10.0.0.1");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(limiter.try_acquire("10.0.0.1"), nullptr);
  EXPECT_NE(limiter.try_acquire("10.0.0.2"), nullptr) << "other addresses are independent";
  a.reset();
  EXPECT_EQ(limiter.count("10.0.0.1"), 1u);
  EXPECT_NE(limiter.try_acquire("10.0.0.1"), nullptr);
}

TEST(FrameTest, ZlibFormIsOneCompleteStreamOfTheJson) {
  auto frame = make_frame(R"({"t":"HEARTBEAT_ACK","op":5})");
  const std::string& compressed = frame->zlib();
  EXPECT_EQ(&compressed, &frame->zlib()) << "compressed once";
  std::string out(frame->json().size(), '\0');
  uLongf size = out.size();
  ASSERT_EQ(uncompress(reinterpret_cast<Bytef*>(out.data()), &size,
                       reinterpret_cast<const Bytef*>(compressed.data()), compressed.size()),
            Z_OK);
  out.resize(size);
  EXPECT_EQ(out, frame->json());
}

}  // namespace
}  // namespace lantern::hub
