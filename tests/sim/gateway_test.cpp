// Gateway behaviour of the simulator, checked with a real WebSocket client on loopback.
#include <gtest/gtest.h>

#include <set>

#include "sim/simulator.h"
#include "sim/test_client.h"
#include "testing/fixtures.h"

namespace lantern::sim {
namespace {

namespace json = boost::json;
using testing::Read;
using testing::TestGateway;

constexpr const char* kZlib = "/gateway/?v=10&encoding=json&compress=zlib-stream";
constexpr const char* kPlain = "/gateway/?v=10&encoding=json";

json::object make_member(Snowflake id, bool with_role = false) {
  const std::string name = "user" + std::to_string(id % 100000);
  return json::object{{"user", json::object{{"id", std::to_string(id)},
                                            {"username", name},
                                            {"discriminator", "0"},
                                            {"global_name", nullptr},
                                            {"avatar", nullptr}}},
                      {"roles", with_role ? json::array{"999"} : json::array{}},
                      {"nick", nullptr},
                      {"joined_at", "2021-05-03T00:00:00.000000+00:00"},
                      {"deaf", false},
                      {"mute", false},
                      {"flags", 0},
                      {"pending", false}};
}

json::object online() {
  return json::object{{"status", "online"},
                      {"client_status", json::object{{"desktop", "online"}}},
                      {"activities", json::array{}}};
}

class GatewayTest : public ::testing::Test {
 protected:
  void start(Simulator::Options o = {}) {
    sim_ = std::make_unique<Simulator>(std::move(o));
    configure(*sim_);
    sim_->start();
  }
  virtual void configure(Simulator&) {}
  std::unique_ptr<TestGateway> connect(const char* target = kZlib) {
    return std::make_unique<TestGateway>(sim_->port(), target);
  }
  // Connects, identifies and reads through GUILD_CREATE.
  std::unique_ptr<TestGateway> ready_client(Read* ready = nullptr, std::int64_t intents = 259,
                                            Read* guild = nullptr) {
    auto c = connect();
    EXPECT_EQ(c->read().op(), 10);
    c->identify("sim-token", intents);
    Read r = c->read();
    EXPECT_EQ(r.t(), "READY");
    if (ready) *ready = r;
    if (intents & 1) {
      Read g = c->read();
      EXPECT_EQ(g.t(), "GUILD_CREATE");
      if (guild) *guild = g;
    }
    return c;
  }
  std::unique_ptr<Simulator> sim_;
};

TEST_F(GatewayTest, HelloIdentifyReadyGuildCreateOverZlibStream) {
  start();
  for (Snowflake id = 500; id < 510; ++id) {
    sim_->add_member(make_member(id), id % 2 ? std::optional(online()) : std::nullopt);
  }
  auto c = connect();
  Read hello = c->read();
  ASSERT_EQ(hello.op(), 10);
  EXPECT_EQ(hello.d().at("heartbeat_interval").as_int64(), 41250);
  EXPECT_TRUE(hello.payload->at("s").is_null());

  c->identify();
  Read ready = c->read();
  ASSERT_EQ(ready.t(), "READY");
  EXPECT_EQ(ready.payload->at("s").as_int64(), 1);
  // Same top-level keys a real READY has (fixture captured from Discord).
  auto fixture = json::parse(lantern::testing::read_fixture("discord/ready.v10.discordbm.json"));
  for (const auto& [key, value] : fixture.at("d").as_object()) {
    EXPECT_TRUE(ready.d().as_object().contains(key)) << "READY lacks " << key;
  }
  EXPECT_EQ(ready.d().at("resume_gateway_url").as_string(), sim_->gateway_url());
  EXPECT_EQ(ready.d().at("guilds").at(0).at("unavailable"), true);

  Read guild = c->read();
  ASSERT_EQ(guild.t(), "GUILD_CREATE");
  EXPECT_EQ(guild.payload->at("s").as_int64(), 2);
  EXPECT_EQ(guild.d().at("member_count").as_int64(), 11);  // 10 + the bot
  EXPECT_EQ(guild.d().at("large"), false);
  EXPECT_EQ(guild.d().at("members").as_array().size(), 11u);
  EXPECT_EQ(guild.d().at("presences").as_array().size(), 6u);  // 5 online + the bot

  // zlib-stream: binary frames, one context (header only once), each ends in 00 00 ff ff.
  const auto& raw = c->raw_messages();
  ASSERT_GE(raw.size(), 3u);
  EXPECT_EQ(static_cast<unsigned char>(raw[0][0]), 0x78);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    EXPECT_TRUE(c->binary_flags()[i]);
    EXPECT_EQ(raw[i].substr(raw[i].size() - 4), std::string("\x00\x00\xff\xff", 4));
    if (i > 0) {
      EXPECT_NE(raw[i].substr(0, 2), raw[0].substr(0, 2));
    }
  }
}

TEST_F(GatewayTest, PlainTextFramesWithoutCompression) {
  start();
  auto c = connect(kPlain);
  ASSERT_EQ(c->read().op(), 10);
  EXPECT_FALSE(c->binary_flags()[0]);
  EXPECT_EQ(c->raw_messages()[0].front(), '{');
}

TEST_F(GatewayTest, ChunksAllMembersWithPresencesOnlyForNonOffline) {
  start();
  std::size_t online_count = 1;  // the bot
  for (Snowflake id = 1000; id < 3500; ++id) {
    const bool on = id % 3 == 0;
    online_count += on;
    sim_->add_member(make_member(id), on ? std::optional(online()) : std::nullopt);
  }
  auto c = ready_client();
  c->send(json::object{{"op", 8},
                       {"d", json::object{{"guild_id", "222222222222222222"},
                                          {"query", ""},
                                          {"limit", 0},
                                          {"presences", true},
                                          {"nonce", "n-1"}}}});
  std::size_t members = 0, presences = 0;
  std::set<Snowflake> seen;
  for (int i = 0; i < 3; ++i) {
    Read r = c->read_until("GUILD_MEMBERS_CHUNK");
    ASSERT_TRUE(r.payload);
    const auto& d = r.d().as_object();
    EXPECT_EQ(d.at("chunk_index").as_int64(), i);
    EXPECT_EQ(d.at("chunk_count").as_int64(), 3);
    EXPECT_EQ(d.at("nonce").as_string(), "n-1");
    members += d.at("members").as_array().size();
    for (const auto& p : d.at("presences").as_array()) {
      EXPECT_NE(p.at("status").as_string(), "offline");
      EXPECT_FALSE(p.as_object().contains("guild_id"));
      seen.insert(std::stoull(std::string(p.at("user").at("id").as_string())));
      ++presences;
    }
  }
  EXPECT_EQ(members, 2501u);
  EXPECT_EQ(presences, online_count);
  EXPECT_EQ(seen.size(), online_count);

  // A second full request within 30 s is answered with RATE_LIMITED.
  c->send(json::object{
      {"op", 8},
      {"d",
       json::object{
           {"guild_id", "222222222222222222"}, {"query", ""}, {"limit", 0}, {"nonce", "n-2"}}}});
  Read rl = c->read_until("RATE_LIMITED");
  ASSERT_TRUE(rl.payload);
  EXPECT_EQ(rl.d().at("opcode").as_int64(), 8);
  EXPECT_GT(rl.d().at("retry_after").as_double(), 0.0);
  EXPECT_EQ(rl.d().at("meta").at("nonce").as_string(), "n-2");
}

TEST_F(GatewayTest, UserIdRequestReportsNotFound) {
  start();
  sim_->add_member(make_member(700));
  auto c = ready_client();
  c->send(json::object{{"op", 8},
                       {"d", json::object{{"guild_id", "222222222222222222"},
                                          {"user_ids", json::array{"700", "701"}}}}});
  Read r = c->read_until("GUILD_MEMBERS_CHUNK");
  ASSERT_TRUE(r.payload);
  EXPECT_EQ(r.d().at("members").as_array().size(), 1u);
  EXPECT_EQ(r.d().at("not_found"), (json::array{"701"}));
}

TEST_F(GatewayTest, LargeGuildCreateCarriesOnlyOnlineOrRoleMembers) {
  start();
  for (Snowflake id = 1000; id < 1100; ++id) {
    sim_->add_member(make_member(id, id % 10 == 1),
                     id % 10 == 0 ? std::optional(online()) : std::nullopt);
  }
  auto c = connect();
  ASSERT_EQ(c->read().op(), 10);
  c->identify("sim-token", 259, 50);
  ASSERT_EQ(c->read().t(), "READY");
  Read g = c->read();
  ASSERT_EQ(g.t(), "GUILD_CREATE");
  EXPECT_EQ(g.d().at("large"), true);
  EXPECT_EQ(g.d().at("member_count").as_int64(), 101);
  EXPECT_EQ(g.d().at("members").as_array().size(), 21u);    // 10 online + 10 with role + bot
  EXPECT_EQ(g.d().at("presences").as_array().size(), 11u);  // 10 online + bot
}

TEST_F(GatewayTest, HeartbeatsAreAckedUnlessDisabledAndServerCanAskForOne) {
  start();
  auto c = ready_client();
  c->send(json::object{{"op", 1}, {"d", 2}});
  EXPECT_EQ(c->read().op(), 11);

  sim_->request_heartbeat();
  EXPECT_EQ(c->read().op(), 1);

  sim_->set_ack_heartbeats(false);
  c->send(json::object{{"op", 1}, {"d", 2}});
  ASSERT_TRUE(sim_->wait_for([&] { return sim_->gateway_records().size() >= 3; }));
  sim_->dispatch("TYPING_START", json::object{{"x", 1}});
  Read next = c->read();
  EXPECT_EQ(next.t(), "TYPING_START");  // no op 11 before it
}

TEST_F(GatewayTest, MemberEventsFollowIntents) {
  start();
  auto c = ready_client();
  sim_->add_member(make_member(42), online());
  Read add = c->read();
  EXPECT_EQ(add.t(), "GUILD_MEMBER_ADD");
  EXPECT_EQ(add.d().at("guild_id").as_string(), "222222222222222222");
  Read p = c->read();
  EXPECT_EQ(p.t(), "PRESENCE_UPDATE");
  EXPECT_EQ(p.d().at("user").as_object().size(), 1u);  // partial user {id}
  EXPECT_TRUE(sim_->remove_member(42));
  Read rm = c->read();
  EXPECT_EQ(rm.t(), "GUILD_MEMBER_REMOVE");
  EXPECT_EQ(rm.d().at("user").at("id").as_string(), "42");

  // GUILDS only: no member or presence events, no presences in GUILD_CREATE.
  auto g = ready_client(nullptr, 1);
  sim_->add_member(make_member(43), online());
  sim_->dispatch("TYPING_START", json::object{});
  EXPECT_EQ(g->read().t(), "TYPING_START");
}

struct CloseCase {
  const char* name;
  std::uint16_t code;
};

class CloseCodeTest : public GatewayTest {};

TEST_F(CloseCodeTest, ClosesWithDiscordCodes) {
  Simulator::Options o;
  o.allowed_privileged_intents = 2;  // presences not enabled in the "portal"
  o.gateway_send_limit = 5;
  start(o);
  auto expect_close = [&](TestGateway& c, std::uint16_t code, const char* what) {
    for (;;) {
      Read r = c.read();
      if (r.payload) continue;
      EXPECT_TRUE(r.closed) << what;
      EXPECT_EQ(r.close_code, code) << what;
      return;
    }
  };
  {
    auto c = connect();
    c->identify("wrong");
    expect_close(*c, 4004, "bad token");
  }
  {
    auto c = connect();
    c->identify("sim-token", 1 << 30);
    expect_close(*c, 4013, "invalid intents");
  }
  {
    auto c = connect();
    c->identify("sim-token", 259);
    expect_close(*c, 4014, "privileged intents");
  }
  {
    auto c = connect();
    c->identify("sim-token", 3);
    c->identify("sim-token", 3);
    expect_close(*c, 4005, "second identify");
  }
  {
    auto c = connect();
    c->send(json::object{{"op", 8}, {"d", json::object{}}});
    expect_close(*c, 4003, "before identify");
  }
  {
    auto c = connect();
    c->send_text("{not json");
    expect_close(*c, 4002, "bad json");
  }
  {
    auto c = connect();
    c->send(json::object{{"op", 1}, {"d", std::string(5000, 'x')}});
    expect_close(*c, 4002, "oversized");
  }
  {
    auto c = connect();
    c->send(json::object{{"op", 99}, {"d", nullptr}});
    expect_close(*c, 4001, "unknown op");
  }
  {
    auto c = std::make_unique<TestGateway>(sim_->port(), "/gateway/?v=9&encoding=json");
    expect_close(*c, 4012, "api version");
  }
  {
    auto c = connect();
    for (int i = 0; i < 6; ++i) c->send(json::object{{"op", 1}, {"d", nullptr}});
    expect_close(*c, 4008, "rate limited");
  }
  {
    auto c = connect();
    c->identify("sim-token", 3);
    sim_->close_sessions(4000);
    expect_close(*c, 4000, "scripted");
  }
}

TEST_F(GatewayTest, ClosesWhenHeartbeatsStop) {
  Simulator::Options o;
  o.heartbeat_interval_ms = 100;
  start(o);
  auto c = connect();
  ASSERT_EQ(c->read().op(), 10);
  Read r = c->read();
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.close_code, 4009);
}

TEST_F(GatewayTest, ResumeReplaysMissedDispatchesThenResumed) {
  start();
  Read ready;
  auto c = ready_client(&ready);
  const std::string session_id(ready.d().at("session_id").as_string());
  sim_->drop_connections();
  EXPECT_TRUE(c->read().error);
  ASSERT_TRUE(sim_->wait_for([&] { return sim_->identified_count() == 0; }));
  sim_->add_member(make_member(77));
  sim_->add_member(make_member(78));

  auto r = connect();
  ASSERT_EQ(r->read().op(), 10);
  r->send(json::object{
      {"op", 6},
      {"d", json::object{{"token", "sim-token"}, {"session_id", session_id}, {"seq", 2}}}});
  Read a = r->read();
  EXPECT_EQ(a.t(), "GUILD_MEMBER_ADD");
  EXPECT_EQ(a.payload->at("s").as_int64(), 3);
  Read b = r->read();
  EXPECT_EQ(b.payload->at("s").as_int64(), 4);
  Read resumed = r->read();
  EXPECT_EQ(resumed.t(), "RESUMED");
  EXPECT_EQ(resumed.payload->at("s").as_int64(), 5);

  // Unknown session: op 9 false.
  auto u = connect();
  ASSERT_EQ(u->read().op(), 10);
  u->send(json::object{
      {"op", 6}, {"d", json::object{{"token", "sim-token"}, {"session_id", "nope"}, {"seq", 1}}}});
  Read inv = u->read();
  EXPECT_EQ(inv.op(), 9);
  EXPECT_EQ(inv.d(), false);

  // A seq the session never reached: 4007.
  r->close(4000);
  ASSERT_TRUE(sim_->wait_for([&] { return sim_->identified_count() == 0; }));
  auto s = connect();
  ASSERT_EQ(s->read().op(), 10);
  s->send(json::object{
      {"op", 6},
      {"d", json::object{{"token", "sim-token"}, {"session_id", session_id}, {"seq", 99}}}});
  Read bad = s->read();
  EXPECT_TRUE(bad.closed);
  EXPECT_EQ(bad.close_code, 4007);
}

TEST_F(GatewayTest, OldSessionsAreEvictedBeyondTheCap) {
  Simulator::Options o;
  o.max_sessions = 2;
  start(o);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    Read ready;
    auto c = ready_client(&ready);
    ids.emplace_back(ready.d().at("session_id").as_string());
    c->close(4000);  // resumable
    ASSERT_TRUE(sim_->wait_for([&] { return sim_->identified_count() == 0; }));
  }
  auto r = connect();
  ASSERT_EQ(r->read().op(), 10);
  r->send(json::object{
      {"op", 6}, {"d", json::object{{"token", "sim-token"}, {"session_id", ids[0]}, {"seq", 2}}}});
  Read inv = r->read();
  EXPECT_EQ(inv.op(), 9);  // the oldest one was forgotten
  auto k = connect();
  ASSERT_EQ(k->read().op(), 10);
  k->send(json::object{
      {"op", 6}, {"d", json::object{{"token", "sim-token"}, {"session_id", ids[2]}, {"seq", 2}}}});
  EXPECT_EQ(k->read().t(), "RESUMED");
}

TEST_F(GatewayTest, ScriptedReconnectAndInvalidSession) {
  start();
  auto c = ready_client();
  sim_->send_reconnect();
  EXPECT_EQ(c->read().op(), 7);
  sim_->send_invalid_session(true);
  Read r = c->read();
  EXPECT_EQ(r.op(), 9);
  EXPECT_EQ(r.d(), true);
}

TEST_F(GatewayTest, IdentifyWithoutSessionStartsLeftIsInvalidSession) {
  start();
  sim_->set_session_start_remaining(0);
  auto c = connect();
  ASSERT_EQ(c->read().op(), 10);
  c->identify();
  Read r = c->read();
  EXPECT_EQ(r.op(), 9);
  EXPECT_EQ(r.d(), false);
}

TEST_F(GatewayTest, RecordsClientPayloadsWithConnectionIndex) {
  start();
  auto c = ready_client();
  c->send(json::object{
      {"op", 3},
      {"d",
       json::object{
           {"since", nullptr}, {"status", "dnd"}, {"afk", false}, {"activities", json::array{}}}}});
  ASSERT_TRUE(sim_->wait_for([&] { return sim_->gateway_records().size() == 2; }));
  auto records = sim_->gateway_records();
  EXPECT_EQ(records[0].op, 2);
  EXPECT_EQ(records[0].connection, 1u);
  EXPECT_EQ(records[1].op, 3);
  ASSERT_TRUE(sim_->wait_for([&] {
    auto p = sim_->presence(sim_->options().bot_user_id);
    return p && p->at("status") == "dnd";
  }));
}

TEST_F(GatewayTest, DeliversInteractionCreate) {
  start();
  auto c = ready_client();
  auto i = sim_->deliver_interaction(
      json::object{{"type", 2}, {"data", json::object{{"name", "lantern"}}}});
  Read r = c->read();
  EXPECT_EQ(r.t(), "INTERACTION_CREATE");
  EXPECT_EQ(r.d().at("token"), i.at("token"));
  EXPECT_EQ(r.d().at("version").as_int64(), 1);
}

TEST_F(GatewayTest, HundredThousandMembersChunkQuickly) {
  start();
  for (Snowflake id = 1; id <= 100000; ++id) {
    sim_->add_member(make_member(1000000 + id),
                     id % 4 == 0 ? std::optional(online()) : std::nullopt);
  }
  auto c = ready_client();
  c->send(json::object{
      {"op", 8},
      {"d",
       json::object{
           {"guild_id", "222222222222222222"}, {"query", ""}, {"limit", 0}, {"presences", true}}}});
  std::size_t members = 0;
  for (;;) {
    Read r = c->read_until("GUILD_MEMBERS_CHUNK");
    ASSERT_TRUE(r.payload);
    members += r.d().at("members").as_array().size();
    if (r.d().at("chunk_index").as_int64() + 1 == r.d().at("chunk_count").as_int64()) break;
  }
  EXPECT_EQ(members, 100001u);
}

}  // namespace
}  // namespace lantern::sim
