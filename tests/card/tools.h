// External tools for the card tests (xmllint, rsvg-convert, chromium, python3).
// A missing tool fails the test with a message naming scripts/install-test-tools.sh:
// these tests must never pass silently because the machine lacks a renderer.
#pragma once

#include <optional>
#include <string>

namespace lantern::card::testing {

// The absolute path of the first of `names` found on PATH, or nullopt.
std::optional<std::string> find_tool(std::initializer_list<const char*> names);

// A fresh directory under the system temp dir, removed by the caller (or left for
// inspection when a test fails).
std::string make_temp_dir();

void write_file(const std::string& path, const std::string& content);

// Runs `command` through /bin/sh, capturing stdout and stderr; returns the exit status.
int run_command(const std::string& command, std::string& output);

// Single-quotes `arg` for /bin/sh.
std::string shell_quote(const std::string& arg);

inline constexpr const char* kInstallHint =
    "not installed; run scripts/install-test-tools.sh (as root) to install the card test tools";

}  // namespace lantern::card::testing
