#include "testing/fixtures.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace lantern::testing {

std::string fixture_path(const std::string& relative) {
  return std::string(LANTERN_FIXTURES_DIR) + "/" + relative;
}

std::string read_fixture(const std::string& relative) {
  std::ifstream in(fixture_path(relative), std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read fixture " << relative;
    return {};
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace lantern::testing
