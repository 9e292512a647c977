#include "app/commands.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <iostream>
#include <random>

#include "app/service.h"
#include "bot/commands.h"
#include "discord/rest_client.h"
#include "sim/demo_driver.h"
#include "sim/demo_guild.h"
#include "sim/simulator.h"
#include "storage/backup.h"
#include "storage/mongo_import.h"

namespace lantern::app {
namespace {

// Blocks until SIGINT or SIGTERM.
void wait_for_signal() {
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code&, int) {});
  io.run();
}

std::unique_ptr<sim::Simulator> start_simulator(std::uint16_t port, int members,
                                                std::vector<Snowflake>& member_ids) {
  sim::Simulator::Options options;
  options.port = port;
  auto simulator = std::make_unique<sim::Simulator>(options);
  sim::DemoGuildOptions guild;
  guild.members = static_cast<std::size_t>(std::max(members, 1));
  guild.guild_id = options.guild_id;
  member_ids = sim::populate_demo_guild(*simulator, guild);
  simulator->start();
  return simulator;
}

// A random 32-byte secret for a demo run that has none: tokens handed out in
// the demo then only work until it stops.
std::string random_secret() {
  std::random_device device;
  std::string hex;
  for (int i = 0; i < 8; ++i) hex += fmt::format("{:08x}", device());
  return hex;
}

void print_demo_urls(std::uint16_t port, const std::vector<Snowflake>& ids) {
  const std::string base = fmt::format("http://localhost:{}", port);
  std::printf("\nLantern demo is running on %s (a simulated guild of %zu members)\n\n",
              base.c_str(), ids.size());
  std::printf("Try:\n");
  for (std::size_t i = 0; i < std::min<std::size_t>(3, ids.size()); ++i) {
    std::printf("  curl %s/api/v1/users/%llu\n", base.c_str(),
                static_cast<unsigned long long>(ids[i]));
  }
  if (ids.size() >= 2) {
    std::printf("  curl '%s/api/v1/users?user_ids=%llu,%llu'\n", base.c_str(),
                static_cast<unsigned long long>(ids[0]), static_cast<unsigned long long>(ids[1]));
    std::printf("  open %s/api/v1/users/%llu?svg=1\n", base.c_str(),
                static_cast<unsigned long long>(ids[0]));
  }
  std::printf(
      "  websocket: ws://localhost:%u/socket  then send {\"op\":2,\"d\":{\"user_id\":\"All\"}}\n",
      port);
  std::printf("  %s/healthz  %s/readyz\n\nPress Ctrl-C to stop.\n\n", base.c_str(), base.c_str());
  std::fflush(stdout);
}

}  // namespace

int run_serve(Config config) {
  require_serve_settings(config);
  spdlog::info("lantern: starting ({})", config.describe());
  spdlog::info("lantern: open files limit {}", raise_open_file_limit());
  Service service(std::move(config));
  service.start();
  return service.wait();
}

int run_demo(Config config, const DemoOptions& options) {
  std::vector<Snowflake> ids;
  auto simulator = start_simulator(0, options.members, ids);
  config.discord.api_base = simulator->api_base();
  config.discord.token = simulator->options().token;
  config.base_guild_id = simulator->options().guild_id;
  config.server.port = options.port;
  if (config.kv_token_encryption_secret.empty())
    config.kv_token_encryption_secret = random_secret();
  if (config.database.path == "lantern.db") config.database.path = "lantern-demo.db";
  spdlog::info("demo: simulator at {}", simulator->api_base());
  spdlog::info("lantern: open files limit {}", raise_open_file_limit());

  sim::DemoDriver::Options driver_options;
  driver_options.tick = std::chrono::milliseconds(std::max(options.change_interval_ms, 100));
  sim::DemoDriver driver(*simulator, ids, driver_options);

  Service service(std::move(config));
  service.start();
  driver.start();
  print_demo_urls(service.port(), ids);
  const int code = service.wait();
  driver.stop();
  simulator->stop();
  return code;
}

int run_sim(const Config&, const SimOptions& options) {
  std::vector<Snowflake> ids;
  auto simulator = start_simulator(options.port, options.members, ids);
  sim::DemoDriver::Options driver_options;
  driver_options.updates_per_second = options.updates_per_second;
  sim::DemoDriver driver(*simulator, ids, driver_options);
  driver.start();
  std::printf("api_base %s\ntoken %s\nguild %llu\n", simulator->api_base().c_str(),
              simulator->options().token.c_str(),
              static_cast<unsigned long long>(simulator->options().guild_id));
  std::fflush(stdout);
  wait_for_signal();
  driver.stop();
  simulator->stop();
  return 0;
}

int run_commands(const Config& config, bool remove) {
  if (config.discord.token.empty()) {
    throw ConfigError("DISCORD_BOT_TOKEN", "is required to publish the slash commands");
  }
  boost::asio::io_context io;
  discord::RestOptions options;
  options.api_base = config.discord.api_base;
  options.token = config.discord.token;
  discord::RestClient rest(io.get_executor(), options);
  int code = 1;
  bot::publish_commands(rest, 0, remove, [&](bot::CommandsResult result) {
    if (result.ok) {
      std::printf("%s: Discord now holds %zu global command(s)\n",
                  remove ? "unregistered" : "registered", result.count);
      code = 0;
    } else {
      std::fprintf(stderr, "lantern: %s\n", result.error.c_str());
    }
    rest.stop();
  });
  io.run();
  return code;
}

int run_import_mongo(const Config& config, const std::vector<std::string>& files) {
  if (config.kv_token_encryption_secret.empty()) {
    throw ConfigError("KV_TOKEN_ENCRYPTION_SECRET",
                      "is required to import tokens (use the original deployment's secret)");
  }
  storage::StorageConfig storage_config;
  storage_config.sqlite_path = config.database.path;
  storage_config.secret_hex = config.kv_token_encryption_secret;
  return storage::run_import_mongo(storage_config, files, std::cout);
}

int run_backup(const Config& config, const std::string& file) {
  return storage::run_backup(config.database.path, file, std::cerr);
}

}  // namespace lantern::app
