// REST keep-alive against the simulator, which counts the TCP connections it
// accepts: sequential requests share one connection, the pool stays bounded,
// and servers that close connections (idle timeout, `Connection: close`, a
// close just as a request goes out) do not make requests fail.
#include <gtest/gtest.h>

#include <future>

#include "discord/rest_client.h"
#include "sim_harness.h"

namespace lantern::discord {
namespace {

using namespace std::chrono_literals;
using testing::call;
using testing::eventually;
using testing::get;
using testing::Harness;

RestRequest post_followup() {
  RestRequest request;
  request.method = "POST";
  request.path = "/webhooks/111111111111111111/unknown-token";
  request.json_body = R"({"content":"hi"})";
  return request;
}

// A harness whose REST client never retries on its own: whatever succeeds
// after a closed connection succeeded through the keep-alive retry.
class KeepAliveTest : public ::testing::Test {
 protected:
  void start(sim::Simulator::Options options = testing::default_sim_options()) {
    h.emplace(std::move(options));
    h->sim.start();
    RestOptions rest = h->rest_options();
    rest.max_attempts = 1;
    h->rest.emplace(h->io.get_executor(), rest);
    h->thread = std::thread([this] { h->io.run(); });
  }
  RestClient& rest() { return *h->rest; }
  sim::Simulator& sim() { return h->sim; }
  std::optional<Harness> h;
};

TEST_F(KeepAliveTest, SequentialRequestsShareOneConnection) {
  start();
  for (int i = 0; i < 10; ++i) {
    const RestResult result = call(rest(), get(i % 2 ? "/users/@me" : "/gateway/bot"));
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.attempts, 1);
  }
  EXPECT_EQ(sim().accepted_tcp_connections(), 1u);
  EXPECT_EQ(sim().rest_records().size(), 10u);
  EXPECT_FALSE(sim().rest_records().back().header("Connection").has_value())
      << "HTTP/1.1 keeps the connection without asking";
}

TEST_F(KeepAliveTest, ConcurrentRoutesOpenConnectionsAndKeepAtMostFourIdle) {
  start();
  std::vector<std::future<RestResult>> results;
  std::vector<std::shared_ptr<std::promise<RestResult>>> promises;
  for (int i = 0; i < 8; ++i) {
    auto promise = std::make_shared<std::promise<RestResult>>();
    results.push_back(promise->get_future());
    RestRequest request = get("/users/@me");
    request.route = "route " + std::to_string(i);  // eight buckets: all in flight at once
    rest().request(request, [promise](RestResult result) { promise->set_value(result); });
    promises.push_back(promise);
  }
  for (auto& result : results) {
    ASSERT_EQ(result.wait_for(30s), std::future_status::ready);
    EXPECT_TRUE(result.get().ok());
  }
  // Whatever was opened, at most four stay open once the burst is over.
  EXPECT_TRUE(sim().wait_for([&] { return sim().open_http_connections() <= 4; }));
  const auto opened = sim().accepted_tcp_connections();
  // The next requests reuse the pool instead of connecting again.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(call(rest(), get("/users/@me")).ok());
  EXPECT_EQ(sim().accepted_tcp_connections(), opened);
}

TEST_F(KeepAliveTest, AConnectionTheServerClosedWhileIdleIsNotUsed) {
  sim::Simulator::Options options = testing::default_sim_options();
  options.http_idle_timeout_ms = 50;
  start(options);
  ASSERT_TRUE(call(rest(), get("/users/@me")).ok());
  ASSERT_TRUE(sim().wait_for([&] { return sim().open_http_connections() == 0; }));
  // A POST too: it is not repeated, so the closed connection must be noticed.
  const RestResult result = call(rest(), post_followup());
  EXPECT_EQ(result.status, 404) << result.error;  // answered (unknown webhook), not a network error
  EXPECT_EQ(result.attempts, 1);
  EXPECT_EQ(sim().accepted_tcp_connections(), 2u);
}

TEST_F(KeepAliveTest, AGetIsSentAgainWhenTheServerClosesAsItGoesOut) {
  start();
  ASSERT_TRUE(call(rest(), get("/users/@me")).ok());
  sim().close_next_rest_without_answer(1);
  const RestResult result = call(rest(), get("/users/@me"));
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.attempts, 2);
  EXPECT_EQ(sim().accepted_tcp_connections(), 2u);
  const auto records = sim().rest_records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].status, 0) << "the simulator read the request and closed without an answer";
  EXPECT_EQ(records[2].status, 200);
}

TEST_F(KeepAliveTest, APostIsNotRepeatedWhenTheServerMayHaveSeenIt) {
  start();
  ASSERT_TRUE(call(rest(), get("/users/@me")).ok());
  sim().close_next_rest_without_answer(1);
  const RestResult result = call(rest(), post_followup());
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.error.find("network error during read"), std::string::npos) << result.error;
  EXPECT_EQ(sim().rest_records().size(), 2u) << "sent once";
  // The client carries on with a new connection.
  EXPECT_TRUE(call(rest(), get("/users/@me")).ok());
}

TEST_F(KeepAliveTest, ConnectionCloseAnswersAreHonoured) {
  sim::Simulator::Options options = testing::default_sim_options();
  options.http_max_requests_per_connection = 2;
  start(options);
  for (int i = 0; i < 5; ++i) {
    const RestResult result = call(rest(), get("/users/@me"));
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.attempts, 1) << "no request met a closed connection";
  }
  EXPECT_EQ(sim().accepted_tcp_connections(), 3u);
}

TEST_F(KeepAliveTest, StopClosesTheIdleConnections) {
  start();
  ASSERT_TRUE(call(rest(), get("/users/@me")).ok());
  ASSERT_EQ(sim().open_http_connections(), 1u);
  rest().stop();
  EXPECT_TRUE(sim().wait_for([&] { return sim().open_http_connections() == 0; }));
}

}  // namespace
}  // namespace lantern::discord
