// A server started while Discord's session start limit is exhausted: it does
// not connect to the gateway, is not ready, and a stop during the (hours-long)
// wait ends the service normally.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "app/config.h"
#include "app/service.h"
#include "harness.h"
#include "sim/simulator.h"
#include "testing/http_client.h"

namespace lantern::testing {
namespace {

using namespace std::chrono_literals;

TEST(SessionStartWait, TheServiceWaitsUnreadyAndStopsCleanly) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("lantern-it-starts-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);

  sim::Simulator::Options sim_options;
  sim::Simulator sim(sim_options);
  sim.set_session_start_limit(
      {.total = 1000, .remaining = 0, .reset_after = 4h, .max_concurrency = 1});
  sim.start();

  const app::Config config = config_for(sim, dir / "lantern.db");

  auto service = std::make_unique<app::Service>(config);
  service->start();
  ASSERT_TRUE(LanternUnderTest::eventually([&] {
    for (const auto& record : sim.rest_records()) {
      if (record.path == "/gateway/bot" && record.status == 200) return true;
    }
    return false;
  }));
  EXPECT_EQ(http_request(service->port(), "GET", "/readyz").status, 503);
  EXPECT_EQ(sim.total_connections(), 0u) << "connected to the gateway with no start left";
  ASSERT_TRUE(LanternUnderTest::eventually([&] {
    return http_request(service->port(), "GET", "/metrics")
               .body.find("\nlantern_gateway_waiting_for_session_start 1\n") != std::string::npos;
  })) << "the wait shows on /metrics";

  auto stopped = std::async(std::launch::async, [&] {
    service->stop();
    return service->wait();
  });
  ASSERT_EQ(stopped.wait_for(30s), std::future_status::ready) << "stop hung during the wait";
  EXPECT_EQ(stopped.get(), 0);
  service.reset();
  EXPECT_TRUE(sim.gateway_records().empty());
  EXPECT_FALSE(std::filesystem::exists(config.database.path + ".gateway-session"))
      << "no session to save";

  sim.stop();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace lantern::testing
