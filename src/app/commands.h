// The subcommands of `lantern`, each a function from configuration to exit status.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/config.h"

namespace lantern::app {

int run_serve(Config config);

struct DemoOptions {
  std::uint16_t port = 8000;
  int members = 200;
  int change_interval_ms = 3000;
};
int run_demo(Config config, const DemoOptions& options);

struct SimOptions {
  std::uint16_t port = 0;
  int members = 200;
  double updates_per_second = 0;
};
int run_sim(const Config& config, const SimOptions& options);

// `lantern commands register|unregister`: publishes (or removes) the global
// slash commands. 0 done, 1 Discord refused or could not be reached.
int run_commands(const Config& config, bool remove);

// `lantern import-mongo FILE...`: 0 all imported, 1 some lines skipped, 2 unusable input.
int run_import_mongo(const Config& config, const std::vector<std::string>& files);

// `lantern backup FILE`: 0 done, 1 the copy failed, 2 bad source or destination.
int run_backup(const Config& config, const std::string& file);

}  // namespace lantern::app
