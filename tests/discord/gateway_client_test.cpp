// End-to-end tests of the gateway client against the Discord simulator: what the
// client sent (recorded by the simulator) and what the presence store converged to.
#include "discord/gateway_client.h"

#include <gtest/gtest.h>

#include "discord/rest_client.h"
#include "sim_harness.h"

namespace lantern::discord {
namespace {

using testing::eventually;
using testing::Harness;

std::int64_t int_at(const boost::json::value& payload, std::string_view key) {
  return payload.at("d").at(key).to_number<std::int64_t>();
}

TEST(GatewayClient, IdentifiesAndSyncsEveryMemberInChunks) {
  sim::Simulator::Options options = testing::default_sim_options();
  options.chunk_size = 1000;
  Harness h(options);
  h.add_members(2500);
  h.start();

  ASSERT_TRUE(h.synced_with(2500));
  EXPECT_TRUE(h.store.synced());
  EXPECT_EQ(h.sink.readies(), 1);
  EXPECT_EQ(h.sink.ready().bot_user_id, h.sim.options().bot_user_id);
  auto online = h.store.find(Harness::kFirstMember);
  ASSERT_TRUE(online);
  EXPECT_EQ(online->presence().status, presence::Status::kOnline);
  auto offline = h.store.find(Harness::kFirstMember + 1);
  ASSERT_TRUE(offline);
  EXPECT_EQ(offline->presence().status, presence::Status::kOffline);

  const auto identifies = h.sent(2);
  ASSERT_EQ(identifies.size(), 1u);
  const auto& identify = identifies[0].payload;
  EXPECT_EQ(identify.at("d").at("token").as_string(), h.sim.options().token);
  EXPECT_EQ(int_at(identify, "intents"), 259);
  EXPECT_EQ(int_at(identify, "large_threshold"), 250);
  EXPECT_FALSE(identify.at("d").at("compress").as_bool());

  const auto requests = h.sent(8);
  ASSERT_EQ(requests.size(), 1u);
  const auto& request = requests[0].payload.at("d");
  EXPECT_EQ(request.at("query").as_string(), "");
  EXPECT_EQ(request.at("limit").to_number<int>(), 0);
  EXPECT_TRUE(request.at("presences").as_bool());
  EXPECT_FALSE(request.at("nonce").as_string().empty());
  EXPECT_EQ(h.sent(6).size(), 0u);

  const auto status = h.gateway->status();
  EXPECT_TRUE(status.connected);
  EXPECT_TRUE(status.session);
  EXPECT_TRUE(status.synced);
  EXPECT_EQ(status.identifies, 1u);
}

TEST(GatewayClient, AppliesLiveEventsAfterTheSync) {
  Harness h;
  h.add_members(10);
  h.start();
  ASSERT_TRUE(h.synced_with(10));

  const Snowflake id = Harness::kFirstMember + 1;
  h.sim.set_presence(id, testing::presence_json("dnd"));
  EXPECT_TRUE(eventually([&] {
    auto view = h.store.find(id);
    return view && view->presence().status == presence::Status::kDnd;
  }));
  h.sim.add_member(testing::member_json(Harness::kFirstMember + 100, "newcomer"));
  EXPECT_TRUE(eventually([&] { return h.store.size() == Harness::with_bot(11); }));
  h.sim.remove_member(Harness::kFirstMember + 2);
  EXPECT_TRUE(eventually([&] { return !h.store.find(Harness::kFirstMember + 2); }));
}

TEST(GatewayClient, HeartbeatsAndReportsLatency) {
  Harness h;
  h.add_members(3);
  h.start();
  ASSERT_TRUE(h.synced_with(3));
  ASSERT_TRUE(eventually([&] { return h.sent(1).size() >= 2; }));
  EXPECT_TRUE(eventually([&] { return h.gateway->status().heartbeat_latency.has_value(); }));
  // A server-requested heartbeat is answered at once.
  const auto before = h.sent(1).size();
  h.sim.request_heartbeat();
  EXPECT_TRUE(eventually([&] { return h.sent(1).size() > before; }));
}

// Waits for the RESUME and checks that it carried the last sequence the
// client had seen, that no second IDENTIFY was sent, and that state converges.
void expect_resume(Harness& h, std::int64_t last_seq) {
  ASSERT_TRUE(eventually([&] { return h.sink.resumed() >= 1; }));
  const auto resumes = h.sent(6);
  ASSERT_GE(resumes.size(), 1u);
  EXPECT_EQ(int_at(resumes[0].payload, "seq"), last_seq);
  EXPECT_EQ(resumes[0].payload.at("d").at("session_id").as_string(), h.sink.ready().session_id);
  EXPECT_EQ(h.sent(2).size(), 1u) << "a resumable disconnect must not identify again";
  EXPECT_GE(resumes[0].connection, 2u);

  const Snowflake id = Harness::kFirstMember + 3;
  h.sim.set_presence(id, testing::presence_json("idle"));
  EXPECT_TRUE(eventually([&] {
    auto view = h.store.find(id);
    return view && view->presence().status == presence::Status::kIdle;
  }));
  EXPECT_GE(h.gateway->status().resumes, 1u);
}

std::int64_t settled_seq(Harness& h) {
  // Every dispatch so far went to the one session: its last `s` is their count.
  const auto sent = static_cast<std::int64_t>(h.sim.dispatches_sent());
  EXPECT_TRUE(eventually([&] {
    auto session = h.gateway->session();
    return session && session->seq == sent;
  }));
  return sent;
}

TEST(GatewayClient, ZombieConnectionIsClosedAndResumed) {
  Harness h;
  h.add_members(5);
  h.start();
  ASSERT_TRUE(h.synced_with(5));
  const auto seq = settled_seq(h);
  h.sim.set_ack_heartbeats(false);
  ASSERT_TRUE(eventually([&] { return h.sim.total_connections() >= 2; }));
  h.sim.set_ack_heartbeats(true);
  expect_resume(h, seq);
}

TEST(GatewayClient, ReconnectOpcodeResumes) {
  Harness h;
  h.add_members(5);
  h.start();
  ASSERT_TRUE(h.synced_with(5));
  const auto seq = settled_seq(h);
  h.sim.send_reconnect();
  expect_resume(h, seq);
}

TEST(GatewayClient, DroppedTcpConnectionResumes) {
  Harness h;
  h.add_members(5);
  h.start();
  ASSERT_TRUE(h.synced_with(5));
  const auto seq = settled_seq(h);
  h.sim.drop_connections();
  expect_resume(h, seq);
}

TEST(GatewayClient, ResumableInvalidSessionResumes) {
  Harness h;
  h.add_members(5);
  h.start();
  ASSERT_TRUE(h.synced_with(5));
  const auto seq = settled_seq(h);
  h.sim.send_invalid_session(true);
  expect_resume(h, seq);
}

TEST(GatewayClient, ResumableCloseCodeResumes) {
  Harness h;
  h.add_members(5);
  h.start();
  ASSERT_TRUE(h.synced_with(5));
  const auto seq = settled_seq(h);
  h.sim.close_sessions(4000, "unknown error");
  expect_resume(h, seq);
}

// After a re-identify the store is reconciled: a member who left during the
// outage is dropped, the others stay; exactly one more IDENTIFY is sent.
void expect_reidentify(Harness& h, const std::function<void()>& fault) {
  fault();
  ASSERT_TRUE(eventually([&] { return h.sent(2).size() == 2; }));
  EXPECT_TRUE(eventually([&] { return h.sink.sync_ends() == 2; }));
  EXPECT_EQ(h.sink.readies(), 2);
  EXPECT_EQ(h.sent(6).size(), 0u);
  EXPECT_EQ(h.sink.sync_begins(), 2);
  EXPECT_EQ(h.sent(2).size(), 2u) << "no identify storm";
}

TEST(GatewayClient, NonResumableInvalidSessionIdentifiesAgainAndResyncs) {
  sim::Simulator::Options options = testing::default_sim_options();
  options.member_request_cooldown_ms = 0;
  Harness h(options);
  h.add_members(8);
  h.start();
  ASSERT_TRUE(h.synced_with(8));
  expect_reidentify(h, [&] { h.sim.send_invalid_session(false); });
  EXPECT_TRUE(eventually([&] { return h.store.size() == Harness::with_bot(8); }));
}

TEST(GatewayClient, SessionEndingCloseCodesIdentifyAgain) {
  for (std::uint16_t code : {4003, 4007, 4009}) {
    SCOPED_TRACE(code);
    sim::Simulator::Options options = testing::default_sim_options();
    options.member_request_cooldown_ms = 0;
    Harness h(options);
    h.add_members(6);
    h.start();
    ASSERT_TRUE(h.synced_with(6));
    expect_reidentify(h, [&] { h.sim.close_sessions(code); });
  }
}

TEST(GatewayClient, MembersWhoLeftDuringAnOutageAreDroppedOnResync) {
  sim::Simulator::Options options = testing::default_sim_options();
  options.member_request_cooldown_ms = 0;
  Harness h(options);
  h.add_members(6);
  h.start();
  ASSERT_TRUE(h.synced_with(6));
  // Stop the client, change the guild while it is away, start a fresh client
  // on the same store: the resync must drop the member who left.
  h.gateway->stop(false);
  ASSERT_TRUE(eventually([&] { return h.sim.connection_count() == 0; }));
  h.sim.remove_member(Harness::kFirstMember + 5);
  h.sim.add_member(testing::member_json(Harness::kFirstMember + 50, "late"));
  h.gateway.emplace(h.io.get_executor(), h.gateway_options(), *h.rest, h.sink);
  h.gateway->start();
  ASSERT_TRUE(eventually([&] { return h.sink.sync_ends() == 2; }));
  EXPECT_EQ(h.store.size(), Harness::with_bot(6));
  EXPECT_FALSE(h.store.find(Harness::kFirstMember + 5));
  EXPECT_TRUE(h.store.find(Harness::kFirstMember + 50));
}

TEST(GatewayClient, FatalCloseCodesStopTheClientWithAClearMessage) {
  for (std::uint16_t code : {4004, 4010, 4011, 4012, 4013, 4014}) {
    SCOPED_TRACE(code);
    Harness h;
    h.add_members(2);
    h.start();
    ASSERT_TRUE(h.synced_with(2));
    h.sim.close_sessions(code);
    ASSERT_TRUE(eventually([&] { return h.sink.fatal().has_value(); }));
    EXPECT_NE(h.sink.fatal()->find(std::to_string(code)), std::string::npos);
    const auto status = h.gateway->status();
    EXPECT_FALSE(status.running);
    EXPECT_FALSE(status.fatal_error.empty());
    EXPECT_EQ(h.sent(2).size(), 1u);
    EXPECT_EQ(h.sent(6).size(), 0u);
    EXPECT_EQ(h.sim.total_connections(), 1u);
  }
}

TEST(GatewayClient, DisallowedIntentsAreFatal) {
  sim::Simulator::Options options = testing::default_sim_options();
  options.allowed_privileged_intents = 0;
  Harness h(options);
  h.start();
  ASSERT_TRUE(eventually([&] { return h.sink.fatal().has_value(); }));
  EXPECT_NE(h.sink.fatal()->find("4014"), std::string::npos);
  EXPECT_NE(h.sink.fatal()->find("Developer Portal"), std::string::npos);
  EXPECT_EQ(h.sent(2).size(), 1u);
}

TEST(GatewayClient, BadTokenIsFatalAtDiscovery) {
  Harness h;
  auto options = h.gateway_options();
  h.sim.start();
  RestOptions rest_options = h.rest_options();
  rest_options.token = "wrong";
  h.rest.emplace(h.io.get_executor(), rest_options);
  h.gateway.emplace(h.io.get_executor(), options, *h.rest, h.sink);
  h.thread = std::thread([&] { h.io.run(); });
  h.gateway->start();
  ASSERT_TRUE(eventually([&] { return h.sink.fatal().has_value(); }));
  EXPECT_NE(h.sink.fatal()->find("401"), std::string::npos);
  EXPECT_EQ(h.sim.total_connections(), 0u);
}

TEST(GatewayClient, RetriesTheMemberRequestAfterRateLimited) {
  sim::Simulator::Options options = testing::default_sim_options();
  options.member_request_cooldown_ms = 1500;
  Harness h(options);
  h.add_members(20);
  h.start();
  ASSERT_TRUE(h.synced_with(20));
  // A new session within the cooldown: its op 8 is answered by RATE_LIMITED.
  h.sim.send_invalid_session(false);
  ASSERT_TRUE(eventually([&] { return h.sink.sync_ends() == 2; }));
  EXPECT_EQ(h.sent(8).size(), 3u);
  EXPECT_EQ(h.store.size(), Harness::with_bot(20));
}

TEST(GatewayClient, UpdatesTheBotPresence) {
  Harness h;
  h.add_members(2);
  h.start();
  ASSERT_TRUE(h.synced_with(2));
  h.gateway->update_presence("Monitoring 2 users");
  ASSERT_TRUE(eventually([&] { return h.sent(3).size() == 1; }));
  const auto presences = h.sent(3);
  const auto& d = presences[0].payload.at("d");
  EXPECT_EQ(d.at("activities").at(0).at("state").as_string(), "Monitoring 2 users");
  EXPECT_EQ(d.at("activities").at(0).at("type").to_number<int>(), 4);
}

TEST(GatewayClient, ResumesASavedSessionAfterARestart) {
  Harness h;
  h.add_members(4);
  h.start();
  ASSERT_TRUE(h.synced_with(4));
  const auto seq = settled_seq(h);
  h.gateway->stop(true);
  ASSERT_TRUE(eventually([&] { return !h.gateway->status().running; }));
  const auto saved = h.gateway->session();
  ASSERT_TRUE(saved);
  EXPECT_EQ(saved->seq, seq);
  ASSERT_TRUE(eventually([&] { return h.sim.connection_count() == 0; }));

  auto options = h.gateway_options();
  options.resume = saved;
  h.gateway.emplace(h.io.get_executor(), options, *h.rest, h.sink);
  h.gateway->start();
  ASSERT_TRUE(eventually([&] { return h.sink.resumed() == 1; }));
  ASSERT_EQ(h.sent(6).size(), 1u);
  EXPECT_EQ(int_at(h.sent(6)[0].payload, "seq"), seq);
  EXPECT_EQ(h.sent(2).size(), 1u);
}

TEST(GatewayClient, WorksWithoutTransportCompression) {
  Harness h;
  h.add_members(30);
  auto options = h.gateway_options();
  options.compress = false;
  h.start(options);
  ASSERT_TRUE(h.synced_with(30));
}

}  // namespace
}  // namespace lantern::discord
