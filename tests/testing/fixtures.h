// Test support: reading the captured Discord payloads under tests/fixtures/.
#pragma once

#include <string>

namespace lantern::testing {

// Absolute path of a file below tests/fixtures/, e.g. "discord/ready.disgord.json".
std::string fixture_path(const std::string& relative);

// The whole file; fails the current test (and returns "") when it cannot be read.
std::string read_fixture(const std::string& relative);

}  // namespace lantern::testing
