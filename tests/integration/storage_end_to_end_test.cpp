// Key-value storage end to end: a token from the bot's slash command (through
// the simulator), writes through REST and through the bot, and the
// STORAGE_UPDATE each of them pushes to a subscribed socket.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>

#include "harness.h"
#include "socket_client.h"

namespace lantern::testing {
namespace {

namespace json = boost::json;

json::object slash(Snowflake user, json::array options) {
  json::object user_json{
      {"id", std::to_string(user)}, {"username", "member"}, {"discriminator", "0"}};
  return json::object{
      {"type", 2},
      {"guild_id", "222222222222222222"},
      {"channel_id", "666666666666666666"},
      {"context", 0},
      {"member", {{"user", user_json}, {"roles", json::array{}}, {"permissions", "0"}}},
      {"data",
       {{"id", "777777777777777777"}, {"name", "storage"}, {"type", 1}, {"options", options}}}};
}

json::array subcommand(const std::string& group, const std::string& name, json::array params = {}) {
  json::object leaf{{"name", name}, {"type", 1}, {"options", params}};
  return json::array{json::object{{"name", group}, {"type", 2}, {"options", json::array{leaf}}}};
}

json::object param(const std::string& name, const std::string& value) {
  return json::object{{"name", name}, {"type", 3}, {"value", value}};
}

// Delivers the interaction and returns the content of the bot's answer.
std::string run_command(sim::Simulator& sim, json::object interaction) {
  const auto sent = sim.deliver_interaction(std::move(interaction));
  const std::string token(sent.at("token").as_string());
  std::string content;
  sim.wait_for([&] {
    for (const auto& callback : sim.interaction_callbacks()) {
      if (callback.token != token) continue;
      const auto* data = callback.body.as_object().if_contains("data");
      if (data && data->as_object().if_contains("content")) {
        content = std::string(data->at("content").as_string());
      }
      return true;
    }
    return false;
  });
  return content;
}

// Asks the bot for a new token (/storage create token) and returns it, or ""
// (with a test failure) when the reply holds none.
std::string create_token(sim::Simulator& sim, Snowflake user) {
  const std::string reply = run_command(sim, slash(user, subcommand("create", "token")));
  std::smatch match;
  if (!std::regex_search(reply, match, std::regex("[A-Za-z0-9+/]{40,}={0,2}"))) {
    ADD_FAILURE() << "no token in the bot's reply: " << reply;
    return {};
  }
  return match.str();
}

// The value of one series on a /metrics page; -1 when it is not there.
double sample(const std::string& page, const std::string& series) {
  const std::string line = series + " ";
  for (std::size_t at = page.find(line); at != std::string::npos; at = page.find(line, at + 1)) {
    if (at == 0 || page[at - 1] == '\n') return std::stod(page.substr(at + line.size()));
  }
  return -1;
}

std::string kv_series(std::string_view op, std::string_view result) {
  return "lantern_kv_operations_total{op=\"" + std::string(op) + "\",result=\"" +
         std::string(result) + "\"}";
}

json::object read_op(SocketClient& client, int op) {
  for (int i = 0; i < 50; ++i) {
    json::object frame = client.read();
    if (frame.at("op") == op) return frame;
  }
  ADD_FAILURE() << "no frame with op " << op;
  return {};
}

TEST(StorageEndToEnd, BotTokenRestWriteBotWriteAndSocketUpdates) {
  LanternUnderTest lantern(5);
  const Snowflake id = lantern.member_ids().front();
  const std::string user = std::to_string(id);

  SocketClient socket(lantern.port());
  read_op(socket, 1);
  socket.send(R"({"op":2,"d":{"user_id":")" + user + R"("}})");
  read_op(socket, 3);

  const std::string token = create_token(lantern.sim(), id);
  ASSERT_FALSE(token.empty());

  // A REST write with the bot's token: durable, visible at once, pushed to the socket.
  const std::string key_url = "/api/v1/users/" + user + "/storage/location";
  const auto put =
      http_request(lantern.port(), "PUT", key_url, R"({"value":"Berlin"})",
                   {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
  ASSERT_EQ(put.status, 200u) << put.body;
  EXPECT_EQ(json::parse(put.body), json::parse(R"({"success":true})"));
  const auto user_data = json::parse(lantern.get("/api/v1/users/" + user).body);
  EXPECT_EQ(user_data.at("storage").at("location"), "Berlin") << "read-your-writes";
  const json::object rest_update = read_op(socket, 10);
  EXPECT_EQ(rest_update.at("user_id"), json::value(user));
  EXPECT_EQ(rest_update.at("d").at("location"), "Berlin");

  // Someone else's token, or none, is refused and changes nothing.
  const auto forged = http_request(lantern.port(), "PUT", key_url + "x", R"({"value":"x"})",
                                   {{"Authorization", "bm90IGEgdG9rZW4="}});
  EXPECT_EQ(forged.status, 401u);

  // A bot write reaches the socket the same way.
  const std::string saved = run_command(
      lantern.sim(),
      slash(id, subcommand("create", "data", {param("key", "mood"), param("value", "sunny")})));
  EXPECT_NE(saved.find("mood"), std::string::npos) << saved;
  const json::object bot_update = read_op(socket, 10);
  EXPECT_EQ(bot_update.at("d").at("mood"), "sunny");
  EXPECT_EQ(bot_update.at("d").at("location"), "Berlin");

  const auto pairs = lantern.get("/api/v1/users/" + user + "/storage");
  ASSERT_EQ(pairs.status, 200u);
  EXPECT_EQ(json::parse(pairs.body), json::parse(R"({"location":"Berlin","mood":"sunny"})"));

  // What happened shows on /metrics.
  const auto metrics = lantern.get("/metrics");
  ASSERT_EQ(metrics.status, 200u);
  for (const std::string_view series :
       {"lantern_socket_subscriptions 1", "lantern_socket_sessions 1",
        "lantern_database_operation_duration_seconds_count{op=\"transaction\"}",
        "lantern_monitored_members 6"}) {
    EXPECT_NE(metrics.body.find(series), std::string::npos) << series;
  }
  // The REST write and the bot write are both puts; the forged token failed to authenticate.
  EXPECT_EQ(sample(metrics.body, kv_series("put", "ok")), 2) << metrics.body;
  EXPECT_EQ(sample(metrics.body, kv_series("authenticate", "unauthorized")), 1);
}

// Every storage operation a REST request performs is counted once, by operation
// and result, including the ones the routes answer without the storage service.
TEST(StorageEndToEnd, KvOperationsAreCountedByOperationAndResult) {
  LanternUnderTest lantern(3);
  const Snowflake id = lantern.member_ids().front();
  const std::string user = std::to_string(id);
  const std::string token = create_token(lantern.sim(), id);
  ASSERT_FALSE(token.empty());
  const std::vector<std::pair<std::string, std::string>> auth = {
      {"Authorization", "Bearer " + token}};
  const std::string base = "/api/v1/users/" + user + "/storage/";

  EXPECT_EQ(http_request(lantern.port(), "PUT", base + "city?value=Oslo", "", auth).status, 200u);
  EXPECT_EQ(lantern.get(base + "city").status, 200u);
  EXPECT_EQ(http_request(lantern.port(), "DELETE", base + "city", "", auth).status, 200u);
  EXPECT_EQ(lantern.get(base + "city").status, 404u);
  EXPECT_EQ(http_request(lantern.port(), "PUT", base + "bad-key?value=x", "", auth).status, 400u);
  EXPECT_EQ(http_request(lantern.port(), "PUT", base + "city?value=x", "",
                         {{"Authorization", "bm90IGEgdG9rZW4="}})
                .status,
            401u);
  EXPECT_EQ(http_request(lantern.port(), "PUT", base + "city?value=x").status, 401u);

  const auto metrics = lantern.get("/metrics");
  ASSERT_EQ(metrics.status, 200u);
  const std::string& page = metrics.body;
  EXPECT_EQ(sample(page, kv_series("create_or_replace_token", "ok")), 1) << page;
  EXPECT_EQ(sample(page, kv_series("put", "ok")), 1);
  EXPECT_EQ(sample(page, kv_series("put", "rejected")), 1);
  EXPECT_EQ(sample(page, kv_series("put", "error")), 0);
  EXPECT_EQ(sample(page, kv_series("get_value", "ok")), 1);
  EXPECT_EQ(sample(page, kv_series("get_value", "not_found")), 1);
  EXPECT_EQ(sample(page, kv_series("delete_key", "ok")), 1);
  EXPECT_EQ(sample(page, kv_series("authenticate", "ok")), 2);
  // A wrong token (checked by the service) and no token (refused by the route).
  EXPECT_EQ(sample(page, kv_series("authenticate", "unauthorized")), 2);
  // The writes' transactions are timed.
  EXPECT_GE(sample(page, "lantern_database_operation_duration_seconds_count{op=\"transaction\"}"),
            3);
}

TEST(StorageEndToEnd, PairsSurviveARestart) {
  LanternUnderTest lantern(3);
  const Snowflake id = lantern.member_ids().front();
  const std::string user = std::to_string(id);
  const std::string token = create_token(lantern.sim(), id);
  ASSERT_FALSE(token.empty());
  ASSERT_EQ(http_request(lantern.port(), "PUT", "/api/v1/users/" + user + "/storage/k1?value=kept",
                         "", {{"Authorization", token}})
                .status,
            200u);
  EXPECT_EQ(lantern.stop_service(), 0);
  lantern.start_service();
  const auto value = lantern.get("/api/v1/users/" + user + "/storage/k1");
  ASSERT_EQ(value.status, 200u);
  EXPECT_EQ(json::parse(value.body), json::parse(R"({"value":"kept"})"));
}

}  // namespace
}  // namespace lantern::testing
