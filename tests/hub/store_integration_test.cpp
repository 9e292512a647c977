// The hub wired to the real PresenceStore through StoreDirectory, the way
// app/ wires them: gateway events in, socket frames out.
#include <gtest/gtest.h>

#include "hub/hub.h"
#include "hub_fakes.h"

namespace lantern::hub {
namespace {

using testing::FakeSink;
namespace json = boost::json;

constexpr Snowflake kGuild = 200000000000000000;
constexpr Snowflake kAlice = 100000000000000001;
constexpr Snowflake kBob = 100000000000000002;

presence::MemberEvent member(Snowflake id, std::string username) {
  presence::MemberEvent event;
  event.user.id = id;
  event.user.username = std::move(username);
  event.joined_at_ms = 1620000000000;
  return event;
}

presence::PresenceEvent online(Snowflake id) {
  presence::PresenceEvent event;
  event.user.id = id;
  event.presence.status = presence::Status::kOnline;
  event.presence.client_status.desktop = presence::Status::kOnline;
  return event;
}

// The store needs its listener at construction and the hub needs the store:
// the listener forwards to a hub created afterwards.
class Forward final : public presence::ChangeListener {
 public:
  void on_changes(std::span<const presence::Change> changes) override {
    if (hub != nullptr) hub->on_changes(changes);
  }
  Hub* hub = nullptr;
};

class StoreIntegrationTest : public ::testing::Test {
 protected:
  StoreIntegrationTest() {
    forward_.hub = &hub_;
    store_.begin_sync();
    presence::GuildCreate guild;
    guild.guild_id = kGuild;
    guild.members = {member(kAlice, "alice"), member(kBob, "bob")};
    store_.apply(guild);
    store_.end_sync();
  }

  std::shared_ptr<FakeSink> init(std::string_view d) {
    auto sink = std::make_shared<FakeSink>();
    auto session = hub_.open(sink);
    sessions_.push_back(session);
    hub_.on_text(session, R"({"op":2,"d":)" + std::string(d) + "}");
    EXPECT_EQ(sink->last().at("op"), 3);
    sink->clear();
    return sink;
  }

  Forward forward_;
  presence::PresenceStore store_{kGuild, &forward_, nullptr};
  StoreDirectory directory_{store_};
  Hub hub_{directory_, Options{}, [](std::function<void()> work) { work(); },
           [] { return std::int64_t{1700000000000}; }};
  std::vector<SessionPtr> sessions_;
};

TEST_F(StoreIntegrationTest, GatewayEventsBecomeSocketFrames) {
  auto alice_fan = init(R"({"user_id":"100000000000000001"})");
  auto everyone = init(R"({"user_id":"all"})");

  presence::PresenceUpdate update;
  update.guild_id = kGuild;
  update.presence = online(kAlice);
  store_.apply(update);
  json::value frame = alice_fan->last();
  EXPECT_EQ(frame.at("t"), "PRESENCE_UPDATE");
  EXPECT_EQ(frame.at("d").at("status"), "online");
  EXPECT_EQ(everyone->frames().back(), alice_fan->frames().back());

  presence::MemberAdd add;
  add.guild_id = kGuild;
  add.member = member(300000000000000003, "carol");
  store_.apply(add);
  EXPECT_EQ(everyone->last().at("t"), "USER_JOINED");
  EXPECT_EQ(alice_fan->last().at("t"), "PRESENCE_UPDATE") << "USER_JOINED is for All only";

  store_.set_storage(
      kAlice, std::make_shared<const presence::StoragePairs>(presence::StoragePairs{{"k", "v"}}));
  EXPECT_EQ(alice_fan->frames().back()->json(),
            R"({"t":"STORAGE_UPDATE","op":10,"user_id":"100000000000000001","d":{"k":"v"}})");

  presence::MemberRemove remove;
  remove.guild_id = kGuild;
  remove.user_id = kAlice;
  store_.apply(remove);
  EXPECT_EQ(everyone->last().at("t"), "USER_LEFT");
  EXPECT_EQ(alice_fan->code(), CloseCode::kNormal);
  EXPECT_EQ(alice_fan->reason(), "There is no user to monitor anymore.");
  EXPECT_FALSE(everyone->closed());
}

// Events render a member's JSON only for a session that receives them, and the
// rendering is not kept: snapshots nobody reads stay unrendered (memory).
TEST_F(StoreIntegrationTest, EventsRenderOnlyForListenersAndKeepNothing) {
  presence::PresenceUpdate update;
  update.guild_id = kGuild;
  update.presence = online(kBob);
  store_.apply(update);  // nobody listens to bob
  EXPECT_FALSE(store_.find(kBob)->rendered());

  auto alice_fan = init(R"({"user_id":"100000000000000001"})");
  EXPECT_TRUE(store_.find(kAlice)->rendered()) << "INIT_ACK keeps its rendering for later reads";
  update.presence = online(kAlice);
  update.presence.presence.status = presence::Status::kDnd;
  store_.apply(update);
  EXPECT_EQ(alice_fan->last().at("d").at("status"), "dnd");
  EXPECT_FALSE(store_.find(kAlice)->rendered()) << "the event frame's rendering is not kept";
  EXPECT_EQ(alice_fan->frames().back()->json(), R"({"t":"PRESENCE_UPDATE","op":6,"d":)" +
                                                    store_.find(kAlice)->json(1700000000000) + "}");
}

}  // namespace
}  // namespace lantern::hub
