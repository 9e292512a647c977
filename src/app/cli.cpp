#include "app/cli.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/commands.h"
#include "app/config.h"
#include "app/logging.h"
#include "app/version.h"

namespace lantern::app {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitConfig = 2;

struct GlobalFlags {
  std::string config_path;
};

// config.toml when given (or present in the working directory), .env, environment.
Config read_config(const GlobalFlags& flags) {
  Environment env = process_environment();
  load_dotenv(".env", env);
  std::optional<std::string> path;
  if (!flags.config_path.empty()) {
    if (!std::filesystem::exists(flags.config_path)) {
      throw ConfigError("--config", fmt::format("file {} does not exist", flags.config_path));
    }
    path = flags.config_path;
  } else if (std::filesystem::exists("config.toml")) {
    path = "config.toml";
  }
  return load_config(path, env);
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App cli{"Lantern: Discord presence as a REST API and a WebSocket."};
  cli.set_version_flag("--version", std::string("lantern ") + kVersion);
  cli.require_subcommand(0, 1);
  // Global options are accepted after the subcommand too (`lantern serve --config
  // FILE`, as the systemd unit and the Dockerfile write it): subcommands inherit
  // this and pass options they do not know up to the main command.
  cli.fallthrough();
  GlobalFlags flags;
  cli.add_option("-c,--config", flags.config_path, "config.toml to read")->option_text("FILE");

  auto* serve = cli.add_subcommand("serve", "Run the server against Discord (the default).");
  DemoOptions demo_options;
  auto* demo = cli.add_subcommand("demo", "Run the server against the built-in simulator.");
  demo->add_option("--port", demo_options.port, "HTTP port")->capture_default_str();
  demo->add_option("--members", demo_options.members, "simulated guild size")
      ->capture_default_str();
  demo->add_option("--interval", demo_options.change_interval_ms,
                   "milliseconds between presence changes")
      ->capture_default_str();
  SimOptions sim_options;
  auto* sim = cli.add_subcommand("sim", "Run the Discord simulator alone.");
  sim->add_option("--port", sim_options.port, "port (0 = any free port)")->capture_default_str();
  sim->add_option("--members", sim_options.members, "simulated guild size")->capture_default_str();
  sim->add_option("--updates-per-second", sim_options.updates_per_second,
                  "presence updates the simulator drives (0 = the demo's gentle pace)")
      ->capture_default_str();

  auto* commands = cli.add_subcommand("commands", "Publish or remove the slash commands.");
  commands->require_subcommand(1, 1);
  auto* commands_register = commands->add_subcommand("register", "Publish (bulk overwrite).");
  commands->add_subcommand("unregister", "Remove every global command.");
  std::vector<std::string> import_files;
  auto* import_mongo = cli.add_subcommand(
      "import-mongo", "Import an original Lantern deployment's mongoexport files.");
  import_mongo->add_option("files", import_files, "users / keyvaluestorages exports (JSON lines)")
      ->required()
      ->check(CLI::ExistingFile);
  std::string backup_file;
  auto* backup = cli.add_subcommand("backup", "Write a consistent copy of the database.");
  backup->add_option("file", backup_file, "destination file")->required();

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return cli.exit(error) == 0 ? 0 : kExitConfig;
  }

  Config config;
  try {
    config = read_config(flags);
  } catch (const ConfigError& error) {
    std::fprintf(stderr, "lantern: invalid configuration: %s\n", error.what());
    return kExitConfig;
  }
  setup_logging(config.log.level, config.log.json);

  try {
    if (*demo) return run_demo(config, demo_options);
    if (*import_mongo) return run_import_mongo(config, import_files);
    if (*commands) return run_commands(config, /*remove=*/!*commands_register);
    if (*backup) return run_backup(config, backup_file);
    if (*sim) return run_sim(config, sim_options);
    (void)serve;
    return run_serve(config);
  } catch (const ConfigError& error) {
    spdlog::critical("invalid configuration: {}", error.what());
    return kExitConfig;
  } catch (const std::exception& error) {
    spdlog::critical("{}", error.what());
    return kExitFailure;
  }
}

}  // namespace lantern::app
