#include "app/commands.h"

#include <spdlog/spdlog.h>

#include "app/service.h"

namespace lantern::app {

int run_serve(Config config) {
  require_serve_settings(config);
  spdlog::info("lantern: starting ({})", config.describe());
  spdlog::info("lantern: open files limit {}", raise_open_file_limit());
  Service service(std::move(config));
  service.start();
  return service.wait();
}

int run_demo(Config, const DemoOptions&) {
  spdlog::error("demo: not wired yet");
  return 1;
}

int run_sim(const Config&, const SimOptions&) {
  spdlog::error("sim: not wired yet");
  return 1;
}

}  // namespace lantern::app
