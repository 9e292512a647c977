#include <gtest/gtest.h>

#include "hub/subscriptions.h"

namespace lantern::hub {
namespace {

// The count metrics read must follow every way a subscription ends.
TEST(SubscriptionCount, FollowsAddRemoveTakeAndAll) {
  SubscriptionIndex index;
  auto* a = reinterpret_cast<Session*>(0x10);
  auto* b = reinterpret_cast<Session*>(0x20);
  index.add(1, a);
  index.add(1, b);
  index.add(2, a);
  index.add_all(b);
  EXPECT_EQ(index.subscription_count(), 4u);
  index.remove(2, a);
  index.remove(2, a);  // not subscribed any more: no change
  EXPECT_EQ(index.subscription_count(), 3u);
  EXPECT_EQ(index.take(1).size(), 2u);
  EXPECT_EQ(index.subscription_count(), 1u);
  index.remove_all(a);  // never an All session
  EXPECT_EQ(index.subscription_count(), 1u);
  index.remove_all(b);
  EXPECT_EQ(index.subscription_count(), 0u);
}

}  // namespace
}  // namespace lantern::hub
