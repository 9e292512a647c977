// Process-wide logging set-up (spdlog's default logger).
//
// Text lines by default; with `json` one JSON object per line
// ({"time", "level", "msg"}), the message JSON-escaped so that log shippers can
// parse every line whatever a user put into a name or a status.
#pragma once

#include <string>

namespace lantern::app {

// `level` is one of trace|debug|info|warn|error|critical|off (validated by config).
void setup_logging(const std::string& level, bool json);

}  // namespace lantern::app
