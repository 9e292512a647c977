// Graceful lifecycle (issue 7): a stop tells sockets the server is restarting,
// keeps the Discord session alive and saves it; the next start resumes it.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "harness.h"
#include "socket_client.h"

namespace lantern::testing {
namespace {

namespace json = boost::json;

int count_op(const std::vector<sim::GatewayRecord>& records, int op) {
  int n = 0;
  for (const auto& record : records) n += record.op == op;
  return n;
}

TEST(Lifecycle, StopDisconnectsSocketsAndTheNextStartResumesTheDiscordSession) {
  LanternUnderTest lantern(5);
  const auto ids = lantern.member_ids();

  SocketClient client(lantern.port());
  EXPECT_EQ(client.read().at("op"), 1);  // HELLO
  client.send(R"({"op":2,"d":{"user_id":"All"}})");
  EXPECT_EQ(client.read().at("op"), 3);  // INIT_ACK

  // An event after the sync, so that the saved seq is past the sync's.
  ASSERT_TRUE(lantern.sim().set_presence(
      ids[0], json::object{{"status", "dnd"}, {"activities", json::array{}}}));
  ASSERT_TRUE(LanternUnderTest::eventually([&] {
    return lantern.get("/api/v1/users/" + std::to_string(ids[0])).body.find("\"dnd\"") !=
           std::string::npos;
  }));

  std::vector<json::object> frames;
  std::uint16_t close_code = 0;
  std::thread reader([&] { close_code = client.read_until_closed(frames); });
  EXPECT_EQ(lantern.stop_service(), 0);
  reader.join();
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back().at("op"), 9);
  EXPECT_EQ(frames.back().at("d").at("reason"), "Server is restarting.");
  EXPECT_EQ(close_code, 1001);

  // While Lantern is down the member changes again: the resume replays it.
  ASSERT_TRUE(lantern.sim().set_presence(
      ids[0], json::object{{"status", "idle"}, {"activities", json::array{}}}));

  lantern.start_service();
  const auto records = lantern.sim().gateway_records();
  EXPECT_EQ(count_op(records, 2), 1) << "a second IDENTIFY: the session was not resumed";
  ASSERT_EQ(count_op(records, 6), 1) << "no RESUME";
  // The first session saw READY (s=1), GUILD_CREATE (2), the member chunk (3)
  // and the "dnd" update (4), which the server had applied before it stopped:
  // the saved session must resume from at least there.
  for (const auto& record : records) {
    if (record.op == 6) {
      EXPECT_GE(record.payload.at("d").at("seq").as_int64(), 4);
    }
  }
  EXPECT_TRUE(LanternUnderTest::eventually([&] {
    return lantern.get("/api/v1/users/" + std::to_string(ids[0])).body.find("\"idle\"") !=
           std::string::npos;
  })) << "the event missed while down was not replayed";
}

}  // namespace
}  // namespace lantern::testing
