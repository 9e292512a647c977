// REST reads through a real HTTP server on loopback, with the presence store fed
// by typed gateway events (the gateway itself is covered by the integration tests).
#include "http/users_routes.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <thread>

#include "http/router.h"
#include "http/server.h"
#include "loopback_server.h"
#include "presence/store.h"
#include "test_members.h"
#include "testing/http_client.h"

namespace lantern::http {
namespace {

using testing::http_request;
using testing::raw_exchange;

constexpr Snowflake kGuild = 222222222222222222ULL;
constexpr Snowflake kAlice = 333333333333333333ULL;
constexpr Snowflake kBob = 444444444444444444ULL;
constexpr Snowflake kStranger = 555555555555555555ULL;

class UsersRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    presence::GuildCreate guild;
    guild.guild_id = kGuild;
    guild.member_count = 2;
    guild.members = {member(kAlice, "alice"), member(kBob, "bob")};
    presence::PresenceEvent online;
    online.user.id = kAlice;
    online.presence.status = presence::Status::kOnline;
    online.presence.client_status.desktop = presence::Status::kOnline;
    guild.presences = {online};
    store_.begin_sync();
    store_.apply(guild);
    store_.end_sync();

    add_service_routes(router_, store_);
    add_users_routes(router_, store_, UsersRouteOptions{3}, {});
    server_ = std::make_unique<LoopbackServer>(router_);
  }

  void TearDown() override { server_.reset(); }

  testing::HttpResult get(const std::string& target) {
    return http_request(server_->port(), "GET", target);
  }

  void expect_error(const std::string& target, unsigned status, const std::string& sentence) {
    SCOPED_TRACE(target);
    const auto result = get(target);
    EXPECT_EQ(result.status, status);
    EXPECT_EQ(result.header("content-type"), "application/json; charset=utf-8");
    EXPECT_EQ(result.header("access-control-allow-origin"), "*");
    EXPECT_EQ(boost::json::parse(result.body),
              boost::json::parse(std::string(R"({"error":)") + "\"" + sentence + "\"}"));
  }

  presence::PresenceStore store_{kGuild, nullptr, nullptr};
  Router router_;
  std::unique_ptr<LoopbackServer> server_;
};

TEST_F(UsersRoutesTest, OneUserIsTheUserDataObject) {
  const auto result = get("/api/v1/users/333333333333333333");
  ASSERT_EQ(result.status, 200u) << result.error;
  EXPECT_EQ(result.header("content-type"), "application/json; charset=utf-8");
  const auto json = boost::json::parse(result.body).as_object();
  EXPECT_EQ(json.at("metadata").at("id"), "333333333333333333");
  EXPECT_EQ(json.at("metadata").at("username"), "alice");
  EXPECT_EQ(json.at("status"), "online");
  EXPECT_EQ(json.at("active_platforms").at("desktop"), "online");
  EXPECT_EQ(json.at("active_platforms").at("mobile"), "offline");
}

TEST_F(UsersRoutesTest, OneUserErrors) {
  expect_error("/api/v1/users/123", 400, "user_id must be a Discord user ID (17-20 digits).");
  expect_error("/api/v1/users/abcdefghijklmnopqr", 400,
               "user_id must be a Discord user ID (17-20 digits).");
  expect_error("/api/v1/users/18446744073709551616", 400,
               "user_id must be a Discord user ID (17-20 digits).");
  expect_error("/api/v1/users/555555555555555555", 404,
               "User 555555555555555555 is not being monitored by Lantern.");
  expect_error("/api/v1/users/333333333333333333?svg=maybe", 400,
               "svg must be 0, 1, true or false.");
  expect_error("/api/v1/users/333333333333333333?svg=1", 501, "The SVG card is not available.");
}

TEST_F(UsersRoutesTest, ManyUsersKeepsRequestOrderAndSkipsUnmonitored) {
  for (const std::string query :
       {"user_ids=444444444444444444&user_ids=555555555555555555&user_ids=333333333333333333",
        "user_ids[]=444444444444444444&user_ids[]=555555555555555555&user_ids[]="
        "333333333333333333",
        "user_ids=444444444444444444,555555555555555555,333333333333333333"}) {
    SCOPED_TRACE(query);
    const auto result = get("/api/v1/users?" + query);
    ASSERT_EQ(result.status, 200u);
    const auto array = boost::json::parse(result.body).as_array();
    ASSERT_EQ(array.size(), 2u);
    EXPECT_EQ(array[0].at("metadata").at("id"), "444444444444444444");
    EXPECT_EQ(array[1].at("metadata").at("id"), "333333333333333333");
  }
  const auto one = get("/api/v1/users?user_ids=333333333333333333");
  ASSERT_EQ(one.status, 200u);
  EXPECT_EQ(boost::json::parse(one.body).as_array().size(), 1u);
}

TEST_F(UsersRoutesTest, ManyUsersErrors) {
  expect_error("/api/v1/users", 400, "user_ids is required.");
  expect_error("/api/v1/users?user_ids=", 400, "user_ids is required.");
  expect_error("/api/v1/users?user_ids=12", 400,
               "user_ids must be a Discord user ID (17-20 digits).");
  expect_error("/api/v1/users?user_ids=333333333333333333,", 400,
               "user_ids must be a Discord user ID (17-20 digits).");
  expect_error("/api/v1/users?user_ids=333333333333333333&user_ids=333333333333333333", 400,
               "user_ids must not contain duplicates.");
  expect_error(
      "/api/v1/users?user_ids=333333333333333331,333333333333333332,333333333333333333,"
      "333333333333333334",
      400, "You can only request up to 3 users at once.");
  expect_error("/api/v1/users?user_ids=555555555555555555", 404,
               "Users you requested are not monitored by Lantern.");
}

TEST_F(UsersRoutesTest, UnknownPathsMethodsAndPreflight) {
  expect_error("/api/v1/nope", 404, "Resource not found.");
  expect_error("/api/v1/users/333333333333333333/extra/segments/here", 404, "Resource not found.");

  const auto post = http_request(server_->port(), "POST", "/api/v1/users/333333333333333333");
  EXPECT_EQ(post.status, 405u);
  EXPECT_EQ(post.header("allow"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(boost::json::parse(post.body).at("error"), "Method not allowed.");

  const auto preflight = http_request(server_->port(), "OPTIONS", "/api/v1/users");
  EXPECT_EQ(preflight.status, 204u);
  EXPECT_EQ(preflight.header("access-control-allow-origin"), "*");
  EXPECT_NE(preflight.header("access-control-allow-methods").find("GET"), std::string::npos);
  EXPECT_NE(preflight.header("access-control-allow-headers").find("Authorization"),
            std::string::npos);

  const auto head = http_request(server_->port(), "HEAD", "/api/v1/users/333333333333333333");
  EXPECT_EQ(head.status, 200u);
  EXPECT_TRUE(head.body.empty());
  EXPECT_NE(head.header("content-length"), "0");
}

TEST_F(UsersRoutesTest, HealthAndReadiness) {
  EXPECT_EQ(get("/healthz").status, 200u);
  EXPECT_EQ(get("/readyz").status, 200u);
  const auto index = get("/");
  ASSERT_EQ(index.status, 200u);
  EXPECT_EQ(boost::json::parse(index.body).at("docs"), "/docs");
}

TEST(ReadinessTest, NotReadyBeforeTheFirstSync) {
  presence::PresenceStore store(kGuild, nullptr, nullptr);
  Router router;
  add_service_routes(router, store);
  Request request;
  request.path = "/readyz";
  unsigned status = 0;
  router.dispatch(request, [&](Response response) { status = response.status; });
  EXPECT_EQ(status, 503u);
}

TEST_F(UsersRoutesTest, MalformedHttpIsRejectedAndTheServerKeepsServing) {
  const std::string garbage = raw_exchange(server_->port(), "\x16\x03\x01garbage\r\n\r\n");
  EXPECT_TRUE(garbage.starts_with("HTTP/1.1 400")) << garbage;
  EXPECT_NE(garbage.find("Malformed HTTP request."), std::string::npos);

  const std::string huge_header =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  const std::string header_reply = raw_exchange(server_->port(), huge_header);
  EXPECT_TRUE(header_reply.starts_with("HTTP/1.1 431")) << header_reply.substr(0, 80);

  // 10 MB announced and sent: the server answers 413 without reading it all.
  const std::string big_request =
      "PUT /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n" +
      std::string(10 * 1024 * 1024, 'x');
  const std::string too_big = raw_exchange(server_->port(), big_request);
  EXPECT_TRUE(too_big.starts_with("HTTP/1.1 413")) << too_big.substr(0, 80);
  EXPECT_NE(too_big.find("Request body is too large."), std::string::npos);

  const std::string bad_target =
      raw_exchange(server_->port(), "GET nope HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(bad_target.starts_with("HTTP/1.1 400")) << bad_target;

  EXPECT_EQ(get("/api/v1/users/333333333333333333").status, 200u);
}

}  // namespace
}  // namespace lantern::http
