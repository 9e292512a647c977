// Golden files for the card tests: tests/card/golden/<name>.svg.
// Run the tests with LANTERN_UPDATE_GOLDEN=1 to (re)write them, then review the diff and
// the rasterised cards (docs/card.md says how).
#pragma once

#include <string>

namespace lantern::card::testing {

std::string golden_dir();

// Compares `actual` with the golden file `name`.svg (fails the current test with the
// first differing offset), or rewrites the file when LANTERN_UPDATE_GOLDEN=1.
void expect_golden(const std::string& name, const std::string& actual);

}  // namespace lantern::card::testing
