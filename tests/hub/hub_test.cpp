// Hub: every opcode path and error path of API.md section 3, with fake sinks
// and an inline writer executor (posted work runs at once, on the caller).
#include "hub/hub.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "hub_fakes.h"

namespace lantern::hub {
namespace {

using testing::FakeDirectory;
using testing::FakeSink;
using testing::kAlice;
using testing::kBob;
using testing::kCarol;
using testing::kUnknown;
using testing::make_view;
namespace json = boost::json;
using Kind = presence::Change::Kind;

constexpr std::int64_t kNow = 1700000000000;

struct Client {
  std::shared_ptr<FakeSink> sink;
  SessionPtr session;
};

class HubTest : public ::testing::Test {
 protected:
  HubTest() {
    directory_.set(make_view(kAlice, "alice"));
    directory_.set(make_view(kBob, "bob"));
    directory_.set(make_view(kCarol, "carol"));
  }

  Client connect() {
    auto sink = std::make_shared<FakeSink>();
    auto session = hub_.open(sink);
    sink->clear();  // HELLO
    return {sink, session};
  }

  // A client initialized with `d`, its INIT_ACK already consumed.
  Client init(std::string_view d) {
    Client client = connect();
    EXPECT_EQ(send(client, R"({"op":2,"d":)" + std::string(d) + "}"), Hub::Inbound::kAccepted);
    EXPECT_EQ(client.sink->last().at("op"), 3) << json::serialize(client.sink->last());
    client.sink->clear();
    return client;
  }

  Hub::Inbound send(const Client& client, std::string_view text) {
    return hub_.on_text(client.session, text);
  }

  void change(Kind kind, Snowflake id, presence::UserViewPtr view) {
    presence::Change changes[] = {{kind, id, std::move(view)}};
    hub_.on_changes(changes);
  }

  static std::string id_of(const json::value& user) {
    return std::string(user.at("metadata").at("id").as_string());
  }

  FakeDirectory directory_;
  Options options_;
  Hub hub_{directory_, options_, [](std::function<void()> work) { work(); }, [] { return kNow; }};
};

void expect_disconnect(const Client& client, CloseCode code, std::string_view reason) {
  EXPECT_TRUE(client.sink->closed());
  EXPECT_EQ(client.sink->code(), code);
  EXPECT_EQ(client.sink->reason(), reason);
}

// ---- connection, heartbeat ---------------------------------------------------

TEST_F(HubTest, OpenSendsHello) {
  auto sink = std::make_shared<FakeSink>();
  hub_.open(sink);
  EXPECT_EQ(json::serialize(sink->last()),
            R"({"t":"HELLO","op":1,"d":{"heartbeat_interval":30000}})");
  EXPECT_EQ(hub_.session_count(), 1u);
}

TEST_F(HubTest, HeartbeatBeforeInitIsAnswered) {
  Client client = connect();
  EXPECT_EQ(send(client, R"({"op":4})"), Hub::Inbound::kHeartbeat);
  EXPECT_EQ(client.sink->frames().back()->json(), R"({"t":"HEARTBEAT_ACK","op":5})");
  EXPECT_FALSE(client.sink->closed());
}

// ---- INIT -----------------------------------------------------------------------

TEST_F(HubTest, InitSingleAnswersWithAnObject) {
  Client client = connect();
  send(client, R"({"op":2,"d":{"user_id":"100000000000000001"}})");
  json::value ack = client.sink->last();
  EXPECT_EQ(ack.at("t"), "INIT_ACK");
  EXPECT_EQ(ack.at("op"), 3);
  EXPECT_EQ(id_of(ack.at("d")), "100000000000000001");
}

TEST_F(HubTest, InitListAnswersInRequestOrder) {
  Client client = connect();
  send(client, R"({"op":2,"d":{"user_ids":["100000000000000003","100000000000000001"]}})");
  json::value ack = client.sink->last();
  const json::array& users = ack.at("d").as_array();
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(id_of(users[0]), "100000000000000003");
  EXPECT_EQ(id_of(users[1]), "100000000000000001");
}

TEST_F(HubTest, InitAllIsCaseInsensitiveAndListsEveryone) {
  Client client = connect();
  send(client, R"({"op":2,"d":{"user_id":"aLL"}})");
  EXPECT_EQ(client.sink->last().at("d").as_array().size(), 3u);
}

TEST_F(HubTest, InitWithUnknownUsersNamesThemAndSubscribesNothing) {
  Client client = connect();
  send(
      client,
      R"({"op":2,"d":{"user_ids":["100000000000000001","100000000000000009","100000000000000008"]}})");
  EXPECT_EQ(
      json::serialize(client.sink->last()),
      R"({"t":"ERROR","op":11,"d":"User(s) 100000000000000009, 100000000000000008 not found."})");
  client.sink->clear();
  change(Kind::kPresence, kAlice, make_view(kAlice, "alice2"));
  EXPECT_TRUE(client.sink->frames().empty());
  EXPECT_FALSE(client.sink->closed());

  send(client, R"({"op":2,"d":{"user_id":"100000000000000001"}})");  // may try again
  EXPECT_EQ(client.sink->last().at("op"), 3);
}

TEST_F(HubTest, SecondInitIsAnError) {
  Client client = init(R"({"user_id":"100000000000000001"})");
  send(client, R"({"op":2,"d":{"user_id":"100000000000000002"}})");
  EXPECT_EQ(json::serialize(client.sink->last()),
            R"({"t":"ERROR","op":11,"d":"Already initialized; use SUBSCRIBE."})");
  EXPECT_FALSE(client.sink->closed());
}

TEST_F(HubTest, InitDeadlineDisconnectsOnlyUninitializedSessions) {
  Client late = connect();
  Client on_time = init(R"({"user_id":"100000000000000001"})");
  hub_.init_deadline_passed(late.session);
  hub_.init_deadline_passed(on_time.session);
  expect_disconnect(late, CloseCode::kTimedOut, "Connection timed out.");
  EXPECT_FALSE(on_time.sink->closed());
}

// ---- SUBSCRIBE / UNSUBSCRIBE ----------------------------------------------------

TEST_F(HubTest, SubscribeBeforeInitDisconnects) {
  Client client = connect();
  EXPECT_EQ(send(client, R"({"op":12,"d":{"user_id":"100000000000000001"}})"),
            Hub::Inbound::kAccepted);
  expect_disconnect(client, CloseCode::kNotInitialized, reason::kNotInitialized);
}

TEST_F(HubTest, UnsubscribeBeforeInitDisconnects) {
  Client client = connect();
  send(client, R"({"op":14,"d":{"user_id":"100000000000000001"}})");
  expect_disconnect(client, CloseCode::kNotInitialized, reason::kNotInitialized);
}

TEST_F(HubTest, SubscribeAddsUsersAndAcksWithTheirData) {
  Client client = init(R"({"user_id":"100000000000000001"})");
  send(client, R"({"op":12,"d":{"user_id":"100000000000000002"}})");
  json::value ack = client.sink->last();
  EXPECT_EQ(ack.at("t"), "SUBSCRIBE_ACK");
  EXPECT_EQ(id_of(ack.at("d")), "100000000000000002");

  send(client, R"({"op":12,"d":{"user_ids":["100000000000000003"]}})");
  EXPECT_EQ(id_of(client.sink->last().at("d").as_array().at(0)), "100000000000000003");

  client.sink->clear();
  change(Kind::kPresence, kBob, make_view(kBob, "bob2"));
  ASSERT_EQ(client.sink->frames().size(), 1u);
  EXPECT_EQ(client.sink->last().at("t"), "PRESENCE_UPDATE");
}

TEST_F(HubTest, SubscribeToAlreadySubscribedUsersIsAnError) {
  Client client = init(R"({"user_ids":["100000000000000001","100000000000000002"]})");
  send(
      client,
      R"({"op":12,"d":{"user_ids":["100000000000000003","100000000000000002","100000000000000001"]}})");
  EXPECT_EQ(client.sink->last().at("d"),
            "Already subscribed to user(s) 100000000000000002, 100000000000000001.");
  client.sink->clear();
  change(Kind::kPresence, kCarol, make_view(kCarol));
  EXPECT_TRUE(client.sink->frames().empty()) << "nothing was subscribed";
}

TEST_F(HubTest, SubscribeWhileSubscribedToAllIsAnError) {
  Client client = init(R"({"user_id":"All"})");
  send(client, R"({"op":12,"d":{"user_id":"100000000000000001"}})");
  EXPECT_EQ(client.sink->last().at("d"), "Already subscribed to All.");
  send(client, R"({"op":12,"d":{"user_id":"all"}})");
  EXPECT_EQ(client.sink->last().at("d"), "Already subscribed to All.");
}

TEST_F(HubTest, SubscribeToAllReplacesSingleSubscriptionsWithoutDuplicates) {
  Client client = init(R"({"user_id":"100000000000000001"})");
  send(client, R"({"op":12,"d":{"user_id":"ALL"}})");
  EXPECT_EQ(client.sink->last().at("d").as_array().size(), 3u);
  client.sink->clear();
  change(Kind::kPresence, kAlice, make_view(kAlice));
  EXPECT_EQ(client.sink->frames().size(), 1u);
}

TEST_F(HubTest, SubscribeToUnknownUserIsAnError) {
  Client client = init(R"({"user_id":"100000000000000001"})");
  send(client, R"({"op":12,"d":{"user_id":"100000000000000009"}})");
  EXPECT_EQ(client.sink->last().at("d"), "User(s) 100000000000000009 not found.");
}

TEST_F(HubTest, SubscribePastTheIdLimitDisconnects) {
  Options small;
  small.max_ids_per_session = 2;
  Hub hub(
      directory_, small, [](auto work) { work(); }, [] { return kNow; });
  auto sink = std::make_shared<FakeSink>();
  auto session = hub.open(sink);
  hub.on_text(session, R"({"op":2,"d":{"user_ids":["100000000000000001","100000000000000002"]}})");
  hub.on_text(session, R"({"op":12,"d":{"user_id":"100000000000000003"}})");
  EXPECT_EQ(sink->code(), CloseCode::kLimit);
  EXPECT_EQ(sink->reason(), "You can subscribe to at most 2 users.");
}

TEST_F(HubTest, UnsubscribeFromUsersNotSubscribedIsAnError) {
  Client client = init(R"({"user_id":"100000000000000001"})");
  send(client, R"({"op":14,"d":{"user_ids":["100000000000000002","100000000000000001"]}})");
  EXPECT_EQ(client.sink->last().at("d"), "Not subscribed to user(s) 100000000000000002.");
  EXPECT_FALSE(client.sink->closed());
}

TEST_F(HubTest, UnsubscribeStopsEventsAndAcks) {
  Client client = init(R"({"user_ids":["100000000000000001","100000000000000002"]})");
  send(client, R"({"op":14,"d":{"user_id":"100000000000000001"}})");
  EXPECT_EQ(client.sink->frames().back()->json(), R"({"t":"UNSUBSCRIBE_ACK","op":15})");
  client.sink->clear();
  change(Kind::kPresence, kAlice, make_view(kAlice));
  EXPECT_TRUE(client.sink->frames().empty());
  EXPECT_FALSE(client.sink->closed());
}

TEST_F(HubTest, EmptySubscriptionDisconnectsWithNormalClosure) {
  Client client = init(R"({"user_id":"100000000000000001"})");
  send(client, R"({"op":14,"d":{"user_id":"100000000000000001"}})");
  EXPECT_EQ(client.sink->last().at("op"), 15);
  expect_disconnect(client, CloseCode::kNormal, "You require at least one user to be subscribed.");
}

TEST_F(HubTest, UnsubscribeFromAllEmptiesTheSubscription) {
  Client client = init(R"({"user_id":"All"})");
  send(client, R"({"op":14,"d":{"user_id":"100000000000000001"}})");
  EXPECT_EQ(client.sink->last().at("op"), 11);
  send(client, R"({"op":14,"d":{"user_id":"all"}})");
  expect_disconnect(client, CloseCode::kNormal, "You require at least one user to be subscribed.");
}

// ---- hostile input ------------------------------------------------------------

struct BadInput {
  const char* text;
  CloseCode code;
};

class HubRejectTest : public HubTest, public ::testing::WithParamInterface<BadInput> {};

TEST_P(HubRejectTest, DisconnectsWithTheRightCode) {
  Client client = connect();
  EXPECT_EQ(send(client, GetParam().text), Hub::Inbound::kRejected);
  EXPECT_TRUE(client.sink->closed());
  EXPECT_EQ(client.sink->code(), GetParam().code) << client.sink->reason();
  EXPECT_FALSE(client.sink->reason().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, HubRejectTest,
    ::testing::Values(
        BadInput{"{not json", CloseCode::kInvalidPayload}, BadInput{"", CloseCode::kInvalidPayload},
        BadInput{"[1,2]", CloseCode::kInvalidPayload}, BadInput{"42", CloseCode::kInvalidPayload},
        BadInput{R"({"d":{}})", CloseCode::kInvalidPayload},
        BadInput{R"({"op":"2"})", CloseCode::kInvalidPayload},
        BadInput{R"({"op":2.5})", CloseCode::kInvalidPayload},
        BadInput{R"({"op":0})", CloseCode::kUnknownOp},
        BadInput{R"({"op":-1})", CloseCode::kUnknownOp},
        BadInput{R"({"op":16})", CloseCode::kUnknownOp},
        BadInput{R"({"op":99999999999})", CloseCode::kUnknownOp},
        BadInput{R"({"op":18446744073709551615})", CloseCode::kUnknownOp},
        BadInput{R"({"op":1})", CloseCode::kUnknownOp},
        BadInput{R"({"op":3})", CloseCode::kUnknownOp},
        BadInput{R"({"op":6,"d":{}})", CloseCode::kUnknownOp},
        BadInput{R"({"op":15})", CloseCode::kUnknownOp},
        BadInput{R"({"op":2})", CloseCode::kInvalidPayload},
        BadInput{R"({"op":2,"d":[]})", CloseCode::kInvalidPayload},
        BadInput{R"({"op":2,"d":{}})", CloseCode::kInvalidPayload},
        BadInput{R"({"op":2,"d":{"user_id":"100000000000000001","user_ids":[]}})",
                 CloseCode::kInvalidPayload},
        BadInput{R"({"op":2,"d":{"user_id":100000000000000001}})", CloseCode::kInvalidPayload},
        BadInput{R"({"op":2,"d":{"user_id":"1234567890123456"}})", CloseCode::kInvalidPayload},
        BadInput{R"({"op":2,"d":{"user_id":"123456789012345678901"}})", CloseCode::kInvalidPayload},
        BadInput{R"({"op":2,"d":{"user_id":"99999999999999999999"}})", CloseCode::kInvalidPayload},
        BadInput{R"({"op":2,"d":{"user_id":"All "}})", CloseCode::kInvalidPayload},
        BadInput{R"({"op":2,"d":{"user_ids":[]}})", CloseCode::kInvalidPayload},
        BadInput{R"({"op":2,"d":{"user_ids":"100000000000000001"}})", CloseCode::kInvalidPayload},
        BadInput{R"({"op":2,"d":{"user_ids":["All"]}})", CloseCode::kInvalidPayload},
        BadInput{R"({"op":2,"d":{"user_ids":["100000000000000001","100000000000000001"]}})",
                 CloseCode::kInvalidPayload},
        BadInput{R"({"op":12,"d":{"user_ids":[1]}})", CloseCode::kInvalidPayload}));

TEST_F(HubTest, TenThousandIdsHitTheIdLimit) {
  std::string ids;
  for (int i = 0; i < 10000; ++i) {
    if (i != 0) ids += ',';
    ids += '"' + std::to_string(100000000000000000 + i) + '"';
  }
  Client client = connect();
  EXPECT_EQ(send(client, R"({"op":2,"d":{"user_ids":[)" + ids + "]}}"), Hub::Inbound::kRejected);
  expect_disconnect(client, CloseCode::kLimit, "You can subscribe to at most 1000 users.");
}

// ---- fan-out ------------------------------------------------------------------

TEST_F(HubTest, PresenceUpdateReachesSubscribersAndAllWithTheSameBytes) {
  Client alice_fan = init(R"({"user_id":"100000000000000001"})");
  Client bob_fan = init(R"({"user_id":"100000000000000002"})");
  Client everyone = init(R"({"user_id":"All"})");
  change(Kind::kPresence, kAlice, make_view(kAlice, "alice2"));

  ASSERT_EQ(alice_fan.sink->frames().size(), 1u);
  ASSERT_EQ(everyone.sink->frames().size(), 1u);
  EXPECT_TRUE(bob_fan.sink->frames().empty());
  EXPECT_EQ(alice_fan.sink->frames()[0], everyone.sink->frames()[0]) << "encoded once, shared";
  json::value frame = alice_fan.sink->last();
  EXPECT_EQ(frame.at("t"), "PRESENCE_UPDATE");
  EXPECT_EQ(frame.at("op"), 6);
  EXPECT_EQ(frame.at("d").at("metadata").at("username"), "alice2");
}

TEST_F(HubTest, UserJoinedGoesToAllSessionsOnly) {
  Client alice_fan = init(R"({"user_id":"100000000000000001"})");
  Client everyone = init(R"({"user_id":"All"})");
  auto dave = make_view(100000000000000004, "dave");
  directory_.set(dave);
  change(Kind::kJoined, dave->id(), dave);
  EXPECT_TRUE(alice_fan.sink->frames().empty());
  json::value frame = everyone.sink->last();
  EXPECT_EQ(frame.at("t"), "USER_JOINED");
  EXPECT_EQ(frame.at("op"), 8);
  EXPECT_EQ(id_of(frame.at("d")), "100000000000000004");
}

TEST_F(HubTest, UserLeftReachesSubscribersAndDisconnectsThoseLeftWithNobody) {
  Client only_alice = init(R"({"user_id":"100000000000000001"})");
  Client alice_and_bob = init(R"({"user_ids":["100000000000000001","100000000000000002"]})");
  Client everyone = init(R"({"user_id":"All"})");
  Client bob_fan = init(R"({"user_id":"100000000000000002"})");
  directory_.erase(kAlice);
  change(Kind::kLeft, kAlice, nullptr);

  const std::string left = R"({"t":"USER_LEFT","op":7,"d":{"user_id":"100000000000000001"}})";
  for (const Client* client : {&only_alice, &alice_and_bob, &everyone}) {
    ASSERT_EQ(client->sink->frames().size(), 1u);
    EXPECT_EQ(client->sink->frames()[0]->json(), left);
  }
  EXPECT_TRUE(bob_fan.sink->frames().empty());
  expect_disconnect(only_alice, CloseCode::kNormal, "There is no user to monitor anymore.");
  EXPECT_FALSE(alice_and_bob.sink->closed());
  EXPECT_FALSE(everyone.sink->closed());

  // The remaining session no longer counts Alice: unsubscribing Bob empties it.
  send(alice_and_bob, R"({"op":14,"d":{"user_id":"100000000000000002"}})");
  EXPECT_EQ(alice_and_bob.sink->code(), CloseCode::kNormal);
}

TEST_F(HubTest, StorageUpdateCarriesUserIdBesideD) {
  Client client = init(R"({"user_id":"100000000000000001"})");
  change(Kind::kStorage, kAlice, make_view(kAlice, "alice", {{"b", "2"}, {"a", "x\"y"}}));
  EXPECT_EQ(
      client.sink->frames().back()->json(),
      R"({"t":"STORAGE_UPDATE","op":10,"user_id":"100000000000000001","d":{"a":"x\"y","b":"2"}})");
}

TEST_F(HubTest, EndedSessionsReceiveNothing) {
  Client client = init(R"({"user_id":"100000000000000001"})");
  Client everyone = init(R"({"user_id":"All"})");
  hub_.end(client.session);
  hub_.end(everyone.session);
  EXPECT_EQ(hub_.session_count(), 0u);
  change(Kind::kPresence, kAlice, make_view(kAlice));
  EXPECT_TRUE(client.sink->frames().empty());
  EXPECT_TRUE(everyone.sink->frames().empty());
}

TEST_F(HubTest, ShutdownDisconnectsEverySession) {
  Client fresh = connect();
  Client subscribed = init(R"({"user_id":"All"})");
  hub_.shutdown();
  expect_disconnect(fresh, CloseCode::kGoingAway, "Server is restarting.");
  expect_disconnect(subscribed, CloseCode::kGoingAway, "Server is restarting.");
}

}  // namespace
}  // namespace lantern::hub
