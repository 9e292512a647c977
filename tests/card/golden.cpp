#include "golden.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace lantern::card::testing {

std::string golden_dir() {
  return std::string(LANTERN_SOURCE_DIR) + "/tests/card/golden";
}

void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = golden_dir() + "/" + name + ".svg";
  const char* update = std::getenv("LANTERN_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path
                  << " (run the test with LANTERN_UPDATE_GOLDEN=1 to create it)";
  std::stringstream expected;
  expected << in.rdbuf();
  const std::string want = expected.str();
  if (want == actual) return;
  std::size_t at = 0;
  while (at < want.size() && at < actual.size() && want[at] == actual[at]) ++at;
  ADD_FAILURE() << "card differs from " << path << " at byte " << at << ": expected \""
                << want.substr(at, 80) << "\", got \"" << actual.substr(at, 80)
                << "\" (LANTERN_UPDATE_GOLDEN=1 rewrites the file)";
}

}  // namespace lantern::card::testing
