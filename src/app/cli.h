// The `lantern` command line: serve (default), demo, sim, and the maintenance
// commands. Returns the process exit status: 0 success, 1 runtime failure,
// 2 bad configuration or usage.
#pragma once

namespace lantern::app {

int run_cli(int argc, char** argv);

}  // namespace lantern::app
