// Pure gateway policy: close codes, backoff, send window, URL parsing and the
// payloads the client sends.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "discord/backoff.h"
#include "discord/close_codes.h"
#include "discord/endpoint.h"
#include "discord/gateway_payloads.h"
#include "discord/send_limiter.h"

namespace lantern::discord {
namespace {

using namespace std::chrono_literals;

TEST(CloseCodes, FollowTheProtocolTable) {
  for (int code : {4004, 4010, 4011, 4012, 4013, 4014}) {
    EXPECT_EQ(classify_close_code(static_cast<std::uint16_t>(code)), CloseAction::kFatal) << code;
  }
  for (int code : {1000, 1001, 4003, 4005, 4006, 4007, 4008, 4009}) {
    EXPECT_EQ(classify_close_code(static_cast<std::uint16_t>(code)), CloseAction::kReidentify)
        << code;
  }
  for (int code : {4000, 4001, 4002, 1006, 1011, 4200}) {
    EXPECT_EQ(classify_close_code(static_cast<std::uint16_t>(code)), CloseAction::kResume) << code;
  }
  EXPECT_NE(describe_close_code(4014).find("Developer Portal"), std::string::npos);
  EXPECT_NE(describe_close_code(4004).find("token"), std::string::npos);
}

TEST(Backoff, GrowsWithJitterUpToTheCapAndResets) {
  Backoff backoff(1000ms, 30000ms, 42);
  std::chrono::milliseconds previous_ceiling = 1000ms;
  for (int i = 0; i < 10; ++i) {
    const auto delay = backoff.next();
    EXPECT_GE(delay, previous_ceiling / 2);
    EXPECT_LE(delay, previous_ceiling);
    previous_ceiling = std::min(previous_ceiling * 2, std::chrono::milliseconds(30000));
  }
  EXPECT_LE(backoff.next(), 30000ms);
  backoff.reset();
  EXPECT_LE(backoff.next(), 1000ms);
}

TEST(SendLimiter, ReservesSlotsForPriorityAndSlides) {
  SendLimiter limiter(5, 60s, 2);
  const auto t0 = SendLimiter::Clock::time_point{} + 1000s;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(limiter.allows(t0, false));
    limiter.record(t0 + std::chrono::seconds(i));
  }
  EXPECT_FALSE(limiter.allows(t0 + 3s, false));
  EXPECT_TRUE(limiter.allows(t0 + 3s, true));
  EXPECT_EQ(limiter.next_allowed(t0 + 3s, false), t0 + 60s);
  limiter.record(t0 + 4s);
  limiter.record(t0 + 5s);
  EXPECT_FALSE(limiter.allows(t0 + 6s, true));
  EXPECT_EQ(limiter.next_allowed(t0 + 6s, true), t0 + 60s);
  EXPECT_TRUE(limiter.allows(t0 + 60s, true));
  EXPECT_FALSE(limiter.allows(t0 + 60s, false));
  EXPECT_TRUE(limiter.allows(t0 + 62s, false));
}

TEST(Endpoint, ParsesRestAndGatewayUrls) {
  auto https = parse_endpoint("https://discord.com/api/v10");
  ASSERT_TRUE(https);
  EXPECT_TRUE(https->tls);
  EXPECT_EQ(https->host, "discord.com");
  EXPECT_EQ(https->port, "443");
  EXPECT_EQ(https->target("/gateway/bot"), "/api/v10/gateway/bot");
  EXPECT_EQ(https->host_header(), "discord.com");

  auto loopback = parse_endpoint("http://127.0.0.1:8080/api/v10/");
  ASSERT_TRUE(loopback);
  EXPECT_FALSE(loopback->tls);
  EXPECT_EQ(loopback->port, "8080");
  EXPECT_EQ(loopback->path, "/api/v10");
  EXPECT_EQ(loopback->host_header(), "127.0.0.1:8080");

  auto wss = parse_endpoint("wss://gateway.discord.gg/");
  ASSERT_TRUE(wss);
  EXPECT_TRUE(wss->tls);
  EXPECT_EQ(wss->target("/?v=10"), "/?v=10");

  auto ws = parse_endpoint("ws://[::1]:9000");
  ASSERT_TRUE(ws);
  EXPECT_EQ(ws->host, "::1");
  EXPECT_EQ(ws->host_header(), "[::1]:9000");

  std::string error;
  EXPECT_FALSE(parse_endpoint("ftp://x", &error));
  EXPECT_NE(error.find("scheme"), std::string::npos);
  EXPECT_FALSE(parse_endpoint("discord.com/api", &error));
  EXPECT_FALSE(parse_endpoint("https://user:pw@discord.com", &error));
}

boost::json::value parsed(const std::string& text) {
  return boost::json::parse(text);
}

TEST(GatewayPayloads, IdentifyCarriesWhatDiscordExpects) {
  IdentifyParams params;
  params.token = "abc.def";
  params.intents = 259;
  params.activity_text = "Monitoring 3 users";
  const auto v = parsed(identify_payload(params));
  EXPECT_EQ(v.at("op").as_int64(), 2);
  const auto& d = v.at("d").as_object();
  EXPECT_EQ(d.at("token").as_string(), "abc.def");
  EXPECT_EQ(d.at("intents").to_number<int>(), 259);
  EXPECT_EQ(d.at("large_threshold").to_number<int>(), 250);
  EXPECT_EQ(d.at("compress").as_bool(), false);
  EXPECT_EQ(d.at("properties").at("browser").as_string(), "lantern");
  EXPECT_EQ(d.at("shard").as_array().size(), 2u);
  EXPECT_EQ(d.at("presence").at("activities").at(0).at("state").as_string(), "Monitoring 3 users");
  EXPECT_EQ(d.at("presence").at("activities").at(0).at("type").as_int64(), 4);
}

TEST(GatewayPayloads, HeartbeatResumeRequestMembersPresence) {
  EXPECT_TRUE(parsed(heartbeat_payload(std::nullopt)).at("d").is_null());
  EXPECT_EQ(parsed(heartbeat_payload(42)).at("d").as_int64(), 42);
  const auto resume = parsed(resume_payload("tok", "sess", 1337));
  EXPECT_EQ(resume.at("op").as_int64(), 6);
  EXPECT_EQ(resume.at("d").at("seq").as_int64(), 1337);
  EXPECT_EQ(resume.at("d").at("session_id").as_string(), "sess");
  const auto request = parsed(request_members_payload(222222222222222222ULL, "lantern-1"));
  EXPECT_EQ(request.at("op").as_int64(), 8);
  EXPECT_EQ(request.at("d").at("guild_id").as_string(), "222222222222222222");
  EXPECT_EQ(request.at("d").at("query").as_string(), "");
  EXPECT_EQ(request.at("d").at("limit").as_int64(), 0);
  EXPECT_EQ(request.at("d").at("presences").as_bool(), true);
  EXPECT_EQ(request.at("d").at("nonce").as_string(), "lantern-1");
  const auto presence = parsed(presence_update_payload("Monitoring 5 users"));
  EXPECT_EQ(presence.at("op").as_int64(), 3);
  EXPECT_EQ(presence.at("d").at("status").as_string(), "online");
  EXPECT_TRUE(parsed(presence_update_payload("")).at("d").at("activities").as_array().empty());
}

}  // namespace
}  // namespace lantern::discord
