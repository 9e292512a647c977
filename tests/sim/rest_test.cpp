// REST behaviour of the simulator: auth, shapes, rate-limit headers, scripted failures,
// application commands and interaction callbacks (JSON and multipart).
#include <gtest/gtest.h>

#include "sim/simulator.h"
#include "sim/test_client.h"

namespace lantern::sim {
namespace {

namespace json = boost::json;
using testing::rest;
using http = testing::http::verb;

constexpr const char* kAuth = "Bot sim-token";

class RestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_ = std::make_unique<Simulator>(Simulator::Options{});
    sim_->start();
  }
  std::uint16_t port() const { return sim_->port(); }
  std::unique_ptr<Simulator> sim_;
};

TEST_F(RestTest, RequiresBotAuthorization) {
  auto r = rest(port(), http::get, "/api/v10/users/@me");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.json(), json::parse(R"({"message": "401: Unauthorized", "code": 0})"));
  EXPECT_EQ(rest(port(), http::get, "/api/v10/users/@me", "", "Bot other").status, 401);
  auto ok = rest(port(), http::get, "/api/v10/users/@me", "", kAuth);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.json().at("bot"), true);
  EXPECT_EQ(ok.json().at("id").as_string(), "111111111111111111");
}

TEST_F(RestTest, GatewayBotShapeAndRateLimitHeaders) {
  auto r = rest(port(), http::get, "/api/v10/gateway/bot", "", kAuth);
  ASSERT_EQ(r.status, 200);
  auto j = r.json();
  EXPECT_EQ(j.at("url").as_string(), sim_->gateway_url());
  EXPECT_EQ(j.at("shards").as_int64(), 1);
  const auto& limit = j.at("session_start_limit");
  for (const char* k : {"total", "remaining", "reset_after", "max_concurrency"}) {
    EXPECT_TRUE(limit.as_object().contains(k)) << k;
  }
  for (const char* h : {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
                        "X-RateLimit-Reset-After", "X-RateLimit-Bucket"}) {
    EXPECT_TRUE(r.headers.find(h) != r.headers.end()) << h;
  }
  auto app = rest(port(), http::get, "/api/v10/oauth2/applications/@me", "", kAuth).json();
  EXPECT_EQ(app.at("id").as_string(), "111111111111111111");
  EXPECT_TRUE(app.at("flags").is_number());
  auto records = sim_->rest_records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].path, "/gateway/bot");
  EXPECT_EQ(records[0].header("authorization"), kAuth);
}

TEST_F(RestTest, ScriptedRateLimits) {
  sim_->fail_next_rest(1, 429, 2.5, "global");
  auto r = rest(port(), http::get, "/api/v10/users/@me", "", kAuth);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.json().at("retry_after").as_double(), 2.5);
  EXPECT_EQ(r.json().at("global"), true);
  EXPECT_EQ(r.headers["Retry-After"], "3");
  EXPECT_EQ(r.headers["X-RateLimit-Scope"], "global");
  EXPECT_EQ(r.headers["X-RateLimit-Global"], "true");
  EXPECT_EQ(rest(port(), http::get, "/api/v10/users/@me", "", kAuth).status, 200);

  sim_->fail_next_rest(2, 502, 0, "", "/gateway");
  EXPECT_EQ(rest(port(), http::get, "/api/v10/users/@me", "", kAuth).status, 200);
  EXPECT_EQ(rest(port(), http::get, "/api/v10/gateway/bot", "", kAuth).status, 502);
  EXPECT_EQ(rest(port(), http::get, "/api/v10/gateway/bot", "", kAuth).status, 502);
  EXPECT_EQ(rest(port(), http::get, "/api/v10/gateway/bot", "", kAuth).status, 200);
}

TEST_F(RestTest, ApplicationCommandsAreStored) {
  const std::string base = "/api/v10/applications/111111111111111111/commands";
  auto put = rest(port(), http::put, base,
                  R"([{"name":"lantern","description":"Manage","type":1},
                      {"name":"Profile","type":2,"description":""}])",
                  kAuth);
  ASSERT_EQ(put.status, 200) << put.body;
  ASSERT_EQ(put.json().as_array().size(), 2u);
  const auto id = std::string(put.json().at(0).at("id").as_string());
  EXPECT_EQ(put.json().at(0).at("application_id").as_string(), "111111111111111111");
  EXPECT_EQ(sim_->commands().size(), 2u);

  // Overwrite keeps the id of a command with the same name.
  auto again =
      rest(port(), http::put, base, R"([{"name":"lantern","description":"Again"}])", kAuth);
  EXPECT_EQ(again.json().at(0).at("id").as_string(), id);
  EXPECT_EQ(rest(port(), http::get, base, "", kAuth).json().as_array().size(), 1u);

  auto bad = rest(port(), http::post, base, R"({"name":"Bad Name","description":"x"})", kAuth);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json().at("code").as_int64(), 50035);

  auto created = rest(port(), http::post, base, R"({"name":"kv","description":"kv"})", kAuth);
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(rest(port(), http::delete_, base + "/" + id, "", kAuth).status, 204);
  EXPECT_EQ(rest(port(), http::delete_, base + "/" + id, "", kAuth).json().at("code").as_int64(),
            10063);

  const std::string guild =
      "/api/v10/applications/111111111111111111/guilds/222222222222222222/commands";
  EXPECT_EQ(rest(port(), http::put, guild, R"([{"name":"g","description":"g"}])", kAuth).status,
            200);
  EXPECT_EQ(sim_->commands(222222222222222222ULL).size(), 1u);
}

TEST_F(RestTest, InteractionCallbacksAndWebhooks) {
  auto i = sim_->deliver_interaction(json::object{{"type", 2}});
  const std::string id(i.at("id").as_string());
  const std::string token(i.at("token").as_string());
  const std::string callback = "/api/v10/interactions/" + id + "/" + token + "/callback";

  EXPECT_EQ(rest(port(), http::post, "/api/v10/interactions/1/zzz/callback", R"({"type":4})")
                .json()
                .at("code")
                .as_int64(),
            10062);
  auto first = rest(port(), http::post, callback, R"({"type":5,"data":{"flags":64}})");
  EXPECT_EQ(first.status, 204);
  auto second = rest(port(), http::post, callback, R"({"type":4,"data":{"content":"x"}})");
  EXPECT_EQ(second.status, 400);
  EXPECT_EQ(second.json().at("code").as_int64(), 40060);

  const std::string original =
      "/api/v10/webhooks/111111111111111111/" + token + "/messages/@original";
  auto got = rest(port(), http::get, original);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.json().at("flags").as_int64(), 64 | 128);

  // Multipart edit: payload_json + files[0].
  const std::string boundary = "XyZ";
  std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n"
      "Content-Type: application/json\r\n\r\n"
      R"({"content":"Your card","attachments":[{"id":0,"filename":"card.png","description":"profile card"}]})"
      "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"card.png\"\r\n"
      "Content-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n-bytes\r\n--XyZ--\r\n";
  auto edit =
      rest(port(), http::patch, original, body, "", "multipart/form-data; boundary=" + boundary);
  ASSERT_EQ(edit.status, 200) << edit.body;
  EXPECT_EQ(edit.json().at("content").as_string(), "Your card");
  EXPECT_EQ(edit.json().at("flags").as_int64(), 64);
  ASSERT_EQ(edit.json().at("attachments").as_array().size(), 1u);
  EXPECT_EQ(edit.json().at("attachments").at(0).at("description").as_string(), "profile card");
  auto records = sim_->rest_records();
  ASSERT_EQ(records.back().files.size(), 1u);
  EXPECT_EQ(records.back().files[0].field, "files[0]");
  EXPECT_EQ(records.back().files[0].filename, "card.png");
  EXPECT_EQ(records.back().files[0].data, std::string("\x89PNG\r\n\x1a\n-bytes"));
  EXPECT_EQ(records.back().json.at("content").as_string(), "Your card");

  auto follow = rest(port(), http::post, "/api/v10/webhooks/111111111111111111/" + token,
                     R"({"content":"more","flags":64})");
  EXPECT_EQ(follow.status, 200);
  EXPECT_EQ(sim_->followup_messages(token).size(), 1u);
  EXPECT_EQ(rest(port(), http::delete_, original).status, 204);
  EXPECT_FALSE(sim_->original_message(token));

  auto callbacks = sim_->interaction_callbacks();
  ASSERT_EQ(callbacks.size(), 1u);
  EXPECT_EQ(callbacks[0].body.at("type").as_int64(), 5);
  EXPECT_EQ(callbacks[0].token, token);
}

TEST_F(RestTest, MultipartInteractionCallbackIsRecorded) {
  auto i = sim_->deliver_interaction(json::object{{"type", 2}});
  const std::string callback = "/api/v10/interactions/" + std::string(i.at("id").as_string()) +
                               "/" + std::string(i.at("token").as_string()) + "/callback";
  std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\r\n"
      R"({"type":4,"data":{"content":"card","attachments":[{"id":0,"filename":"c.png"}]}})"
      "\r\n--b\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"c.png\"\r\n"
      "Content-Type: image/png\r\n\r\nPNGDATA\r\n--b--\r\n";
  auto r = rest(port(), http::post, callback, body, "", "multipart/form-data; boundary=\"b\"");
  EXPECT_EQ(r.status, 204) << r.body;
  auto callbacks = sim_->interaction_callbacks();
  ASSERT_EQ(callbacks.size(), 1u);
  EXPECT_EQ(callbacks[0].body.at("data").at("content").as_string(), "card");
  ASSERT_EQ(callbacks[0].files.size(), 1u);
  EXPECT_EQ(callbacks[0].files[0].data, "PNGDATA");
  EXPECT_EQ(
      sim_->original_message(std::string(i.at("token").as_string()))->at("content").as_string(),
      "card");
}

TEST(RestLateTest, LateCallbackIsUnknownInteraction) {
  Simulator::Options o;
  o.interaction_ack_deadline_ms = 0;  // every callback is late
  Simulator sim(o);
  sim.start();
  auto i = sim.deliver_interaction(json::object{{"type", 2}});
  auto r = rest(sim.port(), http::post,
                "/api/v10/interactions/" + std::string(i.at("id").as_string()) + "/" +
                    std::string(i.at("token").as_string()) + "/callback",
                R"({"type":4,"data":{"content":"late"}})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json().at("code").as_int64(), 10062);
  EXPECT_TRUE(sim.interaction_callbacks().empty());
}

TEST_F(RestTest, GuildMembersPaginate) {
  for (Snowflake id = 10; id < 15; ++id) {
    sim_->add_member(
        json::object{{"user", json::object{{"id", std::to_string(id)}, {"username", "u"}}},
                     {"roles", json::array{}}});
  }
  auto page = rest(port(), http::get, "/api/v10/guilds/222222222222222222/members?limit=3&after=11",
                   "", kAuth);
  ASSERT_EQ(page.status, 200);
  ASSERT_EQ(page.json().as_array().size(), 3u);
  EXPECT_EQ(page.json().at(0).at("user").at("id").as_string(), "12");
  EXPECT_EQ(rest(port(), http::get, "/api/v10/guilds/222222222222222222/members/99", "", kAuth)
                .json()
                .at("code")
                .as_int64(),
            10007);
  EXPECT_EQ(rest(port(), http::get, "/api/v10/nope", "", kAuth).status, 404);
}

}  // namespace
}  // namespace lantern::sim
