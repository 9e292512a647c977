// The walking skeleton end to end: the simulator plays Discord, the server
// syncs the guild through the real gateway client, and real HTTP requests read
// what the gateway delivered.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "harness.h"

namespace lantern::testing {
namespace {

namespace json = boost::json;

std::string id_string(Snowflake id) {
  return std::to_string(id);
}

// A JSON string's text (anything else serialised), for comparisons with std::string.
std::string text(const json::value& value) {
  return value.is_string() ? std::string(value.as_string()) : json::serialize(value);
}

TEST(RestEndToEnd, EveryMemberOfTheSimulatedGuildIsServed) {
  LanternUnderTest lantern(20);
  for (const Snowflake id : lantern.member_ids()) {
    const auto result = lantern.get("/api/v1/users/" + id_string(id));
    ASSERT_EQ(result.status, 200u) << id;
    const auto user = json::parse(result.body).as_object();
    const auto member = lantern.sim().member(id);
    ASSERT_TRUE(member);
    EXPECT_EQ(user.at("metadata").at("username"), member->at("user").at("username"));
  }
}

TEST(RestEndToEnd, APresenceChangeInjectedThroughTheSimulatorIsReadBack) {
  LanternUnderTest lantern(10);
  const Snowflake id = lantern.member_ids().front();
  const std::string target = "/api/v1/users/" + id_string(id);
  const json::object presence = {
      {"status", "idle"},
      {"client_status", {{"mobile", "idle"}}},
      {"activities",
       {{{"type", 2},
         {"name", "Spotify"},
         {"id", "spotify:1"},
         {"details", "Integration Song"},
         {"state", "Artist One; Artist Two"},
         {"sync_id", "1a2b3c4d5e6f7g8h9i0jKL"},
         {"timestamps", {{"start", 1700000000000}, {"end", 1700000215000}}},
         {"assets", {{"large_image", "spotify:ab67616d0000b273ffff"}, {"large_text", "Album"}}},
         {"created_at", 1700000001000}}}}};
  ASSERT_TRUE(lantern.sim().set_presence(id, presence));

  json::object user;
  const bool reflected = LanternUnderTest::eventually([&] {
    const auto result = lantern.get(target);
    if (result.status != 200) return false;
    user = json::parse(result.body).as_object();
    return user.at("status") == "idle";
  });
  ASSERT_TRUE(reflected) << json::serialize(user);
  EXPECT_EQ(user.at("active_platforms").at("mobile"), "idle");
  EXPECT_EQ(user.at("active_platforms").at("desktop"), "offline");
  const auto& spotify = user.at("active_platforms").at("spotify");
  EXPECT_EQ(spotify.at("song"), "Integration Song");
  EXPECT_EQ(spotify.at("artist"), "Artist One; Artist Two");
  EXPECT_EQ(spotify.at("album_cover"), "https://i.scdn.co/image/ab67616d0000b273ffff");
  EXPECT_EQ(spotify.at("time").at("end_human_readable"), "03:35");
  EXPECT_EQ(user.at("activities").as_array().at(0).at("type"), "LISTENING");
}

TEST(RestEndToEnd, JoinsAndLeavesChangeWhatIsMonitored) {
  LanternUnderTest lantern(5);
  const Snowflake leaver = lantern.member_ids().back();
  ASSERT_TRUE(lantern.sim().remove_member(leaver));
  EXPECT_TRUE(LanternUnderTest::eventually(
      [&] { return lantern.get("/api/v1/users/" + id_string(leaver)).status == 404; }));
  const auto gone = lantern.get("/api/v1/users/" + id_string(leaver));
  EXPECT_EQ(text(json::parse(gone.body).at("error")),
            "User " + id_string(leaver) + " is not being monitored by Lantern.");

  const Snowflake newcomer = 765432109876543210ULL;
  json::object member = {{"user",
                          {{"id", id_string(newcomer)},
                           {"username", "newcomer"},
                           {"discriminator", "0"},
                           {"global_name", "New Comer"},
                           {"avatar", nullptr}}},
                         {"roles", json::array{}},
                         {"joined_at", "2026-01-02T03:04:05.678000+00:00"},
                         {"deaf", false},
                         {"mute", false},
                         {"flags", 0}};
  ASSERT_TRUE(lantern.sim().add_member(member));
  json::object user;
  ASSERT_TRUE(LanternUnderTest::eventually([&] {
    const auto result = lantern.get("/api/v1/users/" + id_string(newcomer));
    if (result.status != 200) return false;
    user = json::parse(result.body).as_object();
    return true;
  }));
  EXPECT_EQ(user.at("metadata").at("global_name"), "New Comer");
  EXPECT_EQ(user.at("metadata").at("monitoring_since").at("raw"), "2026-01-02T03:04:05.678Z");
  EXPECT_EQ(user.at("status"), "offline");
}

TEST(RestEndToEnd, BulkReadsAndEveryErrorPathOnTheRealServer) {
  LanternUnderTest lantern(5);
  const auto& ids = lantern.member_ids();
  const auto bulk =
      lantern.get("/api/v1/users?user_ids=" + id_string(ids[1]) + "," + id_string(ids[0]));
  ASSERT_EQ(bulk.status, 200u);
  const auto array = json::parse(bulk.body).as_array();
  ASSERT_EQ(array.size(), 2u);
  EXPECT_EQ(text(array[0].at("metadata").at("id")), id_string(ids[1]));

  struct Case {
    std::string target;
    unsigned status;
    std::string error;
  };
  std::string fifty_one = "/api/v1/users?user_ids=";
  for (int i = 0; i < 51; ++i)
    fifty_one += (i ? "," : "") + std::to_string(100000000000000000ULL + i);
  const std::vector<Case> cases = {
      {"/api/v1/users", 400, "user_ids is required."},
      {"/api/v1/users?user_ids=1", 400, "user_ids must be a Discord user ID (17-20 digits)."},
      {"/api/v1/users?user_ids=" + id_string(ids[0]) + "&user_ids=" + id_string(ids[0]), 400,
       "user_ids must not contain duplicates."},
      {fifty_one, 400, "You can only request up to 50 users at once."},
      {"/api/v1/users?user_ids=111111111111111112", 404,
       "Users you requested are not monitored by Lantern."},
      {"/api/v1/users/not-a-snowflake", 400, "user_id must be a Discord user ID (17-20 digits)."},
      {"/api/v1/users/111111111111111112", 404,
       "User 111111111111111112 is not being monitored by Lantern."},
      {"/api/v1/users/" + id_string(ids[0]) + "?svg=2", 400, "svg must be 0, 1, true or false."},
      {"/api/v1/users/" + id_string(ids[0]) + "?svg=1&borderRadius=11", 400,
       "borderRadius must be a number from 0 to 10."},
      {"/api/v2/nothing", 404, "Resource not found."},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.target);
    const auto result = lantern.get(c.target);
    EXPECT_EQ(result.status, c.status);
    EXPECT_EQ(result.header("content-type"), "application/json; charset=utf-8");
    EXPECT_EQ(text(json::parse(result.body).at("error")), c.error);
  }
}

TEST(RestEndToEnd, GarbageOnTheWireDoesNotStopTheServer) {
  LanternUnderTest lantern(3);
  for (const std::string& garbage :
       {std::string("\x00\x01\x02\xff\r\n\r\n", 8), std::string("GET / HTTP/9.9\r\n\r\n"),
        std::string(100 * 1024, 'A') + "\r\n\r\n"}) {
    const std::string reply = raw_exchange(lantern.port(), garbage);
    EXPECT_TRUE(reply.empty() || reply.starts_with("HTTP/1.1 4")) << reply.substr(0, 60);
  }
  EXPECT_EQ(lantern.get("/healthz").status, 200u);
  EXPECT_EQ(lantern.get("/api/v1/users/" + id_string(lantern.member_ids()[0])).status, 200u);
}

}  // namespace
}  // namespace lantern::testing
