#include "harness.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "sim/demo_guild.h"

namespace lantern::testing {

namespace {
std::atomic<int> instance_counter{0};
}

app::Config config_for(const sim::Simulator& sim, const std::filesystem::path& database_path) {
  app::Config config = app::load_config(std::nullopt, {});
  config.base_guild_id = sim.options().guild_id;
  config.discord.api_base = sim.api_base();
  config.discord.token = sim.options().token;
  config.server.bind = "127.0.0.1";
  config.server.port = 0;
  config.server.threads = 2;
  config.database.path = database_path.string();
  config.kv_token_encryption_secret = std::string(64, '7');
  config.log.access = false;
  config.server.rate_limit.enabled = false;
  return config;
}

LanternUnderTest::LanternUnderTest(std::size_t members) {
  dir_ = std::filesystem::temp_directory_path() /
         ("lantern-it-" + std::to_string(::getpid()) + "-" + std::to_string(instance_counter++));
  std::filesystem::create_directories(dir_);

  sim::Simulator::Options sim_options;
  sim_options.heartbeat_interval_ms = 5000;
  sim_options.member_request_cooldown_ms = 200;  // restarts re-request members quickly
  sim_ = std::make_unique<sim::Simulator>(sim_options);
  sim::DemoGuildOptions guild;
  guild.members = members;
  guild.guild_id = sim_options.guild_id;
  ids_ = sim::populate_demo_guild(*sim_, guild);
  sim_->start();

  config_ = config_for(*sim_, dir_ / "lantern.db");
  start_service();
}

void LanternUnderTest::start_service() {
  service_ = std::make_unique<app::Service>(config_);
  service_->start();
  const bool ready = eventually([&] { return get("/readyz").status == 200; });
  EXPECT_TRUE(ready) << "the server never became ready";
}

int LanternUnderTest::stop_service() {
  service_->stop();
  const int code = service_->wait();
  service_.reset();
  return code;
}

LanternUnderTest::~LanternUnderTest() {
  if (service_) stop_service();
  sim_->stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool LanternUnderTest::eventually(const std::function<bool()>& pred,
                                  std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace lantern::testing
