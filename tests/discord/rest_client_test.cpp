// REST client against the simulator: headers, retries, 429 handling, uploads;
// and the rate-limit bookkeeping on its own.
#include "discord/rest_client.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "discord/rest_rate_limits.h"
#include "sim_harness.h"

namespace lantern::discord {
namespace {

using namespace std::chrono_literals;
using testing::call;
using testing::eventually;
using testing::get;
using testing::Harness;

class RestClientTest : public ::testing::Test {
 protected:
  void SetUp() override { h.start(std::nullopt, /*start_gateway=*/false); }
  Harness h;
};

TEST_F(RestClientTest, SendsBotAuthorizationAndUserAgent) {
  const RestResult result = call(*h.rest, get("/gateway/bot"));
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.status, 200);
  EXPECT_NE(result.body.find("\"url\""), std::string::npos);
  const auto records = h.sim.rest_records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].target, "/api/v10/gateway/bot");
  EXPECT_EQ(records[0].header("Authorization"), "Bot " + h.sim.options().token);
  EXPECT_EQ(records[0].header("User-Agent"),
            "DiscordBot (https://github.com/lantern-presence/lantern, 0.1.0)");
}

TEST_F(RestClientTest, WaitsRetryAfterOn429AndRetries) {
  h.sim.fail_next_rest(1, 429, 0.2, "user");
  const RestResult result = call(*h.rest, get("/gateway/bot"));
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.attempts, 2);
  const auto records = h.sim.rest_records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].status, 429);
  EXPECT_EQ(records[1].status, 200);
}

TEST_F(RestClientTest, GlobalAndSharedRateLimitsAreRetried) {
  h.sim.fail_next_rest(1, 429, 0.1, "global");
  h.sim.fail_next_rest(1, 429, 0.1, "shared");
  const RestResult result = call(*h.rest, get("/gateway/bot"));
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.attempts, 3);
}

TEST_F(RestClientTest, RetriesServerErrorsWithBackoff) {
  h.sim.fail_next_rest(2, 502);
  const RestResult result = call(*h.rest, get("/gateway/bot"));
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.attempts, 3);
}

TEST_F(RestClientTest, GivesUpAfterMaxAttempts) {
  h.sim.fail_next_rest(10, 500);
  const RestResult result = call(*h.rest, get("/gateway/bot"));
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status, 500);
  EXPECT_EQ(result.attempts, h.rest_options().max_attempts);
  EXPECT_EQ(h.sim.rest_records().size(), static_cast<std::size_t>(result.attempts));
}

// The simulator reads the request, then closes without answering: a GET is
// tried again, a POST (a follow-up message) is not, or it could be posted twice.
TEST_F(RestClientTest, NetworkErrorsAfterTheRequestWasSentRetryOnlyIdempotentMethods) {
  h.sim.close_next_rest_without_answer(1);
  const RestResult fetched = call(*h.rest, get("/gateway/bot"));
  ASSERT_TRUE(fetched.ok()) << fetched.error;
  EXPECT_EQ(fetched.attempts, 2);

  h.sim.close_next_rest_without_answer(1);
  RestRequest post;
  post.method = "POST";
  post.path = "/webhooks/111111111111111111/unknown-token";
  post.json_body = R"({"content":"hi"})";
  const RestResult posted = call(*h.rest, post);
  EXPECT_EQ(posted.status, 0);
  EXPECT_EQ(posted.attempts, 1);
  EXPECT_NE(posted.error.find("not retried"), std::string::npos) << posted.error;
  const auto records = h.sim.rest_records();
  ASSERT_EQ(records.size(), 3u) << "the POST reached the simulator exactly once";
  EXPECT_EQ(records[2].method, "POST");
}

TEST_F(RestClientTest, ClientErrorsAreNotRetried) {
  const RestResult result = call(*h.rest, get("/no/such/route"));
  EXPECT_FALSE(result.ok());
  EXPECT_GE(result.status, 400);
  EXPECT_LT(result.status, 500);
  EXPECT_EQ(result.attempts, 1);
}

TEST_F(RestClientTest, UploadsMultipartInteractionResponses) {
  auto interaction = h.sim.deliver_interaction(
      boost::json::parse(
          R"({"type":2,"data":{"id":"777777777777777777","name":"lantern","type":1}})")
          .as_object());
  RestRequest request;
  request.method = "POST";
  request.path = "/interactions/" + std::string(interaction.at("id").as_string()) + "/" +
                 std::string(interaction.at("token").as_string()) + "/callback";
  request.json_body =
      R"({"type":4,"data":{"content":"Your card","attachments":[{"id":0,"filename":"card.png"}]}})";
  request.files.push_back(
      RestFile{"card.png", "image/png", std::string("\x89PNG\r\n\x1a\n\0x", 10)});
  const RestResult result = call(*h.rest, request);
  ASSERT_TRUE(result.ok()) << result.error;
  const auto callbacks = h.sim.interaction_callbacks();
  ASSERT_EQ(callbacks.size(), 1u);
  EXPECT_EQ(callbacks[0].body.at("type").to_number<int>(), 4);
  ASSERT_EQ(callbacks[0].files.size(), 1u);
  EXPECT_EQ(callbacks[0].files[0].field, "files[0]");
  EXPECT_EQ(callbacks[0].files[0].filename, "card.png");
  EXPECT_EQ(callbacks[0].files[0].data, std::string("\x89PNG\r\n\x1a\n\0x", 10));
}

TEST_F(RestClientTest, SendsJsonBodies) {
  RestRequest request;
  request.method = "PUT";
  request.path = "/applications/" + std::to_string(h.sim.options().application_id) + "/commands";
  request.json_body = R"([{"name":"lantern","type":1,"description":"Manage your Lantern data"}])";
  const RestResult result = call(*h.rest, request);
  ASSERT_TRUE(result.ok()) << result.error;
  const auto records = h.sim.rest_records();
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.back().header("Content-Type"), "application/json");
  EXPECT_EQ(h.sim.commands().size(), 1u);
}

TEST(RestClient, ConnectionFailuresAreRetriedThenReported) {
  boost::asio::io_context io;
  RestOptions options;
  options.api_base = "http://127.0.0.1:1/api/v10";  // nothing listens on port 1
  options.token = "t";
  options.max_attempts = 2;
  options.backoff_base = 1ms;
  options.backoff_cap = 2ms;
  RestClient client(io.get_executor(), options);
  std::optional<RestResult> result;
  client.request(get("/gateway/bot"), [&](RestResult r) { result = std::move(r); });
  io.run_for(10s);
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->ok());
  EXPECT_EQ(result->status, 0);
  EXPECT_EQ(result->attempts, 2);
  EXPECT_NE(result->error.find("connect"), std::string::npos);
}

// An io_context destroyed while a request waits for its answer (a service
// stopped mid-request) releases the client and everything the request holds:
// the callback's captures are dropped, nothing keeps itself alive.
TEST(RestClient, AnIoContextDestroyedMidRequestReleasesEverything) {
  boost::asio::io_context server_io;
  boost::asio::ip::tcp::acceptor acceptor(server_io,
                                          {boost::asio::ip::make_address("127.0.0.1"), 0});
  std::atomic<bool> request_read{false};
  std::atomic<bool> checked{false};
  std::thread server([&] {  // reads the request and never answers
    boost::asio::ip::tcp::socket peer = acceptor.accept();
    char bytes[512];
    boost::system::error_code ec;
    peer.read_some(boost::asio::buffer(bytes), ec);
    request_read = true;
    eventually([&] { return checked.load(); });
  });

  auto captured = std::make_shared<int>(0);
  {
    boost::asio::io_context io;
    RestOptions options;
    options.api_base =
        "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/api/v10";
    options.token = "t";
    options.timeout = 60s;
    auto client = std::make_unique<RestClient>(io.get_executor(), options);
    client->request(get("/users/@me"), [captured](RestResult) {});
    std::thread runner([&io] { io.run_for(30s); });
    ASSERT_TRUE(eventually([&] { return request_read.load(); }));
    io.stop();
    runner.join();
    client.reset();
  }  // the io_context is destroyed with the read still pending
  EXPECT_EQ(captured.use_count(), 1) << "the pending request (and its client) leaked";
  checked = true;
  server.join();
}

TEST(RestClient, RejectsABadApiBase) {
  boost::asio::io_context io;
  RestOptions options;
  options.api_base = "discord.com/api";
  EXPECT_THROW(RestClient(io.get_executor(), options), std::invalid_argument);
}

TEST(RestClient, BoundsItsQueue) {
  boost::asio::io_context io;
  RestOptions options;
  options.api_base = "http://127.0.0.1:1/api/v10";
  options.max_queued = 2;
  options.max_attempts = 1;
  RestClient client(io.get_executor(), options);
  std::vector<RestResult> results;
  for (int i = 0; i < 4; ++i) {
    client.request(get("/x"), [&](RestResult r) { results.push_back(std::move(r)); });
  }
  io.run_for(10s);
  ASSERT_EQ(results.size(), 4u);
  int full = 0;
  for (const auto& r : results) full += r.error == "REST queue full" ? 1 : 0;
  EXPECT_EQ(full, 2);
}

TEST(RestRateLimits, WaitsForAnExhaustedBucketToReset) {
  RestRateLimits limits;
  const auto now = RestRateLimits::Clock::now();
  RateLimitHeaders headers;
  headers.remaining = 0;
  headers.reset_after_s = 2.5;
  headers.bucket = "abc";
  limits.on_response("POST /a", headers, now);
  EXPECT_EQ(limits.ready_at("POST /a", now), now + 2500ms);
  EXPECT_EQ(limits.ready_at("POST /b", now), now);
  // Another route reported in the same bucket shares its state.
  RateLimitHeaders same_bucket;
  same_bucket.bucket = "abc";
  limits.on_response("POST /c", same_bucket, now);
  EXPECT_EQ(limits.ready_at("POST /c", now), now + 2500ms);
  EXPECT_EQ(limits.ready_at("POST /a", now + 2500ms), now + 2500ms);
}

TEST(RestRateLimits, CountsDownRemainingBetweenAnswers) {
  RestRateLimits limits;
  const auto now = RestRateLimits::Clock::now();
  RateLimitHeaders headers;
  headers.remaining = 1;
  headers.reset_after_s = 1.0;
  limits.on_response("GET /x", headers, now);
  EXPECT_EQ(limits.ready_at("GET /x", now), now);
  limits.on_sent("GET /x", now);
  EXPECT_EQ(limits.ready_at("GET /x", now), now + 1000ms);
}

TEST(RestRateLimits, GlobalLimitsBlockEveryRoute) {
  RestRateLimits limits;
  const auto now = RestRateLimits::Clock::now();
  RateLimitHeaders headers;
  headers.scope = "global";
  EXPECT_EQ(limits.on_rate_limited("GET /x", headers, 0.75, false, now), 750ms);
  EXPECT_EQ(limits.ready_at("POST /other", now), now + 750ms);
  RestRateLimits per_second(2);
  per_second.on_sent("GET /a", now);
  per_second.on_sent("GET /b", now);
  EXPECT_EQ(per_second.ready_at("GET /c", now), now + 1s);
}

TEST(RestRateLimits, RouteLimitsUseRetryAfter) {
  RestRateLimits limits;
  const auto now = RestRateLimits::Clock::now();
  RateLimitHeaders headers;
  headers.retry_after_s = 3;
  EXPECT_EQ(limits.on_rate_limited("GET /x", headers, std::nullopt, false, now), 3000ms);
  EXPECT_EQ(limits.ready_at("GET /x", now), now + 3000ms);
  EXPECT_EQ(limits.ready_at("GET /y", now), now);
}

}  // namespace
}  // namespace lantern::discord
