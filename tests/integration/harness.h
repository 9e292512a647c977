// Integration-test harness: a real Lantern server (app::Service) connected to the
// Discord simulator over loopback, with a real SQLite file in a temp folder.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/service.h"
#include "sim/simulator.h"
#include "testing/http_client.h"

namespace lantern::testing {

// A configuration for a server on an ephemeral loopback port that talks to
// `sim` and keeps its database at `database_path` (no access log, no REST rate
// limit: tests send bursts from one address).
app::Config config_for(const sim::Simulator& sim, const std::filesystem::path& database_path);

class LanternUnderTest {
 public:
  // Adds `members` demo members to a fresh simulator, starts it and a server
  // pointed at it, and waits until the guild is synchronised.
  explicit LanternUnderTest(std::size_t members = 20);
  ~LanternUnderTest();

  sim::Simulator& sim() { return *sim_; }
  app::Service& service() { return *service_; }
  std::uint16_t port() const { return service_->port(); }
  const std::vector<Snowflake>& member_ids() const { return ids_; }

  HttpResult get(const std::string& target) const { return http_request(port(), "GET", target); }

  // Stops the server gracefully (as SIGTERM does) and returns its exit status.
  int stop_service();
  // Starts a new server process-equivalent on the same database and simulator,
  // and waits until it is ready.
  void start_service();

  // Polls `pred` until it holds or `timeout` passes.
  static bool eventually(const std::function<bool()>& pred,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  app::Config config_;
  std::filesystem::path dir_;
  std::unique_ptr<sim::Simulator> sim_;
  std::unique_ptr<app::Service> service_;
  std::vector<Snowflake> ids_;
};

}  // namespace lantern::testing
