// The member sync watchdog: GUILD_MEMBERS_CHUNKs that never arrive (Discord
// loses some now and then) make the client request every member again, and
// after GatewayOptions::member_sync_retries re-requests, identify again.
#include <gtest/gtest.h>

#include <set>

#include "discord/gateway_client.h"
#include "sim_harness.h"

namespace lantern::discord {
namespace {

using std::chrono::milliseconds;
using testing::Harness;
using testing::LogCapture;

sim::Simulator::Options small_chunks() {
  sim::Simulator::Options options = testing::default_sim_options();
  options.chunk_size = 100;
  options.member_request_cooldown_ms = 0;
  return options;
}

GatewayOptions short_watchdog(const Harness& h, int retries = 3) {
  GatewayOptions options = h.gateway_options();
  options.member_chunk_timeout = milliseconds(300);
  options.member_sync_retries = retries;
  return options;
}

void expect_every_member(const Harness& h, int members) {
  EXPECT_EQ(h.store.size(), Harness::with_bot(static_cast<std::size_t>(members)));
  int missing = 0;
  for (int i = 0; i < members; ++i) {
    if (!h.store.find(Harness::kFirstMember + static_cast<Snowflake>(i))) ++missing;
  }
  EXPECT_EQ(missing, 0);
}

std::set<std::string> nonces(const std::vector<sim::GatewayRecord>& requests) {
  std::set<std::string> out;
  for (const auto& request : requests) {
    out.emplace(request.payload.at("d").at("nonce").as_string());
  }
  return out;
}

TEST(MemberSyncWatchdog, LostChunksAreRequestedAgainUntilTheSyncCompletes) {
  LogCapture log;
  Harness h(small_chunks());
  h.add_members(350);  // with the bot: 4 chunks of 100
  h.sim.drop_member_chunks({1, 2});
  h.start(short_watchdog(h));

  ASSERT_TRUE(h.synced_with(350));
  EXPECT_EQ(h.sim.dropped_member_chunks(), 2u);
  const auto requests = h.sent(8);
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(nonces(requests).size(), requests.size()) << "every request has its own nonce";
  EXPECT_EQ(h.sent(2).size(), 1u) << "a re-request needs no new session";
  EXPECT_EQ(h.sink.sync_begins(), 1);
  EXPECT_EQ(h.sink.sync_ends(), 1);
  expect_every_member(h, 350);
  const auto status = h.gateway->status();
  EXPECT_TRUE(status.synced);
  EXPECT_FALSE(status.syncing);
  EXPECT_GE(status.member_sync_stalls, 1u);
  EXPECT_TRUE(log.contains("member sync stalled (2 of 4 chunks"));
}

TEST(MemberSyncWatchdog, ARequestWhoseChunksAllGetLostIsRequestedAgain) {
  Harness h(small_chunks());
  h.add_members(150);
  h.sim.drop_member_chunks({});  // every chunk of the first answer
  h.start(short_watchdog(h));

  ASSERT_TRUE(h.synced_with(150));
  EXPECT_EQ(h.sim.dropped_member_chunks(), 2u);
  EXPECT_GE(h.sent(8).size(), 2u);
  EXPECT_EQ(h.sent(2).size(), 1u);
  expect_every_member(h, 150);
}

TEST(MemberSyncWatchdog, AfterTheRetriesTheClientIdentifiesAgain) {
  LogCapture log;
  Harness h(small_chunks());
  h.add_members(120);
  // The first request and its one re-request lose everything.
  h.sim.drop_member_chunks({}, 2);
  h.start(short_watchdog(h, /*retries=*/1));

  ASSERT_TRUE(h.synced_with(120));
  EXPECT_EQ(h.sim.dropped_member_chunks(), 4u);
  EXPECT_EQ(h.sent(2).size(), 2u) << "one new session after the retries";
  EXPECT_EQ(h.sent(6).size(), 0u) << "the stuck session is not resumed";
  EXPECT_GE(h.sent(8).size(), 3u);
  EXPECT_EQ(h.sink.readies(), 2);
  EXPECT_EQ(h.sink.sync_ends(), 1) << "the partial sync was never declared complete";
  expect_every_member(h, 120);
  EXPECT_TRUE(log.contains("member sync still incomplete after 1 re-requests"));
}

}  // namespace
}  // namespace lantern::discord
