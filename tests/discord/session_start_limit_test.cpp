// The session start limit of GET /gateway/bot (discord-protocol 1.1): with no
// starts left the client must not IDENTIFY before the window resets, must say
// so in the log, and must stop cleanly while it waits.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "discord/gateway_client.h"
#include "sim_harness.h"

namespace lantern::discord {
namespace {

using std::chrono::milliseconds;
using testing::eventually;
using testing::Harness;
using testing::LogCapture;

boost::json::object start_limit_of(const sim::RestRecord& discovery) {
  return boost::json::parse(discovery.response_body).at("session_start_limit").as_object();
}

TEST(SessionStartLimit, SimulatorCountsIdentifiesAndResetsTheWindow) {
  Harness h;
  h.add_members(3);
  h.sim.set_session_start_limit(
      {.total = 5, .remaining = 2, .reset_after = milliseconds(3'600'000), .max_concurrency = 1});
  h.start();
  ASSERT_TRUE(h.synced_with(3));
  EXPECT_EQ(h.sim.session_start_limit().remaining, 1);
  const auto discovery = h.rest_calls("/gateway/bot");
  ASSERT_EQ(discovery.size(), 1u);
  const auto limit = start_limit_of(discovery[0]);
  EXPECT_EQ(limit.at("total").to_number<int>(), 5);
  EXPECT_EQ(limit.at("remaining").to_number<int>(), 2);
  EXPECT_EQ(limit.at("max_concurrency").to_number<int>(), 1);
  const auto reset_after = limit.at("reset_after").to_number<std::int64_t>();
  EXPECT_GT(reset_after, 3'000'000);
  EXPECT_LE(reset_after, 3'600'000);

  // A window that has passed is full again.
  h.sim.set_session_start_limit(
      {.total = 7, .remaining = 0, .reset_after = milliseconds(0), .max_concurrency = 2});
  const auto fresh = h.sim.session_start_limit();
  EXPECT_EQ(fresh.remaining, 7);
  EXPECT_EQ(fresh.max_concurrency, 2);
  EXPECT_EQ(fresh.reset_after.count(), h.sim.options().session_start_window_ms);
}

TEST(SessionStartLimit, WaitsForTheResetBeforeIdentifyingThenSyncs) {
  LogCapture log;
  Harness h;
  h.add_members(20);
  h.sim.set_session_start_limit(
      {.total = 1000, .remaining = 0, .reset_after = milliseconds(1500), .max_concurrency = 1});
  h.start();
  ASSERT_TRUE(eventually([&] { return h.gateway->status().waiting_for_session_start; }));
  ASSERT_TRUE(h.synced_with(20));

  // The first discovery said "none left"; the client asked again once the
  // window had reset and only then identified, once.
  const auto discovery = h.rest_calls("/gateway/bot");
  ASSERT_EQ(discovery.size(), 2u);
  const auto first = start_limit_of(discovery[0]);
  EXPECT_EQ(first.at("remaining").to_number<int>(), 0);
  const milliseconds reset_after(first.at("reset_after").to_number<std::int64_t>());
  EXPECT_GT(reset_after.count(), 0);
  EXPECT_EQ(start_limit_of(discovery[1]).at("remaining").to_number<int>(), 1000);

  const auto identifies = h.sent(2);
  ASSERT_EQ(identifies.size(), 1u);
  EXPECT_EQ(identifies[0].connection, 1u) << "no connection was opened during the wait";
  EXPECT_GT(identifies[0].at, discovery[1].at);
  // The answer was made (and its reset_after computed) just before it was
  // recorded; the client waits reset_after after receiving it.
  const auto waited = identifies[0].at - discovery[0].at;
  EXPECT_GE(waited, reset_after - milliseconds(50))
      << "identified " << std::chrono::duration_cast<milliseconds>(waited).count()
      << " ms after being told to wait " << reset_after.count() << " ms";

  EXPECT_EQ(h.sim.session_start_limit().remaining, 999);
  EXPECT_EQ(h.sink.readies(), 1);
  EXPECT_FALSE(h.gateway->status().waiting_for_session_start);
  EXPECT_TRUE(log.contains("session start limit exhausted"));
  const Snowflake id = Harness::kFirstMember + 1;
  h.sim.set_presence(id, testing::presence_json("dnd"));
  EXPECT_TRUE(eventually([&] {
    auto view = h.store.find(id);
    return view && view->presence().status == presence::Status::kDnd;
  }));
}

TEST(SessionStartLimit, AReIdentifyWithNoStartLeftRediscoversAndWaits) {
  Harness h;
  h.add_members(4);
  // One start: the first session uses it; the re-identify finds none left.
  h.sim.set_session_start_limit(
      {.total = 1, .remaining = 1, .reset_after = milliseconds(3'600'000), .max_concurrency = 1});
  h.start();
  ASSERT_TRUE(h.synced_with(4));
  h.sim.send_invalid_session(false);
  ASSERT_TRUE(eventually([&] { return h.gateway->status().waiting_for_session_start; }));
  EXPECT_EQ(h.sent(2).size(), 1u);
  EXPECT_EQ(h.rest_calls("/gateway/bot").size(), 2u);
  EXPECT_EQ(h.sim.session_start_limit().remaining, 0);
  h.gateway->stop(false);
  ASSERT_TRUE(eventually([&] { return !h.gateway->status().running; }));
}

TEST(SessionStartLimit, StoppingDuringALongWaitEndsAtOnce) {
  Harness h;
  h.add_members(2);
  h.sim.set_session_start_limit({.total = 1000,
                                 .remaining = 0,
                                 .reset_after = milliseconds(14'400'000),
                                 .max_concurrency = 1});
  h.start();
  ASSERT_TRUE(eventually([&] { return h.gateway->status().waiting_for_session_start; }));
  h.gateway->stop(false);
  ASSERT_TRUE(eventually([&] { return !h.gateway->status().running; }));
  EXPECT_FALSE(h.gateway->status().waiting_for_session_start);
  EXPECT_EQ(h.sim.total_connections(), 0u);
  EXPECT_TRUE(h.sent(2).empty());
  // Nothing is left pending on the io_context (the reset timer was
  // cancelled): without the work guard, run() returns by itself.
  h.rest->stop();
  h.work.reset();
  EXPECT_TRUE(eventually([&] { return h.io_returned.load(); }));
}

}  // namespace
}  // namespace lantern::discord
