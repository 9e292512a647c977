// The card rasterises in a non-browser renderer (rsvg-convert) and in a browser
// (headless Chromium, inside an <img> as on GitHub), and the two rasters agree on where
// the avatar and the text are (compare_rasters.py, a coarse cell-by-cell comparison).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "card/render.h"
#include "card_samples.h"
#include "golden.h"
#include "tools.h"

namespace lantern::card {
namespace {

constexpr const char* kBackdrop = "#ff00ff";      // page colour behind the card's corners
constexpr const char* kAvatarColour = "#5865f2";  // sample avatar, see card_samples.cpp

int svg_height(const std::string& svg) {
  const auto at = svg.find("height=\"");
  return at == std::string::npos ? 0 : std::stoi(svg.substr(at + 8));
}

std::string read_golden(const std::string& name) {
  std::ifstream in(testing::golden_dir() + "/" + name + ".svg", std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string hostile_card() {
  testing::Sample s = testing::playing_sample();
  s.member.user.global_name =
      "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D <script>&amp; \xF0\x9F\x94\xA5 " + std::string(90, 'W');
  s.presence.activities[1].details = std::string(100, 'm');
  s.presence.activities[1].state =
      "\xE6\xBC\xA2\xE5\xAD\x97 \"quotes\" & 'more' " + std::string(80, 'x');
  return render_card(s.member, s.presence, s.last_seen_ms, {}, Themes{}.dark,
                     testing::sample_images(s), testing::kNowMs);
}

class RasterTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RasterTest, RsvgAndChromiumAgree) {
  const auto rsvg = testing::find_tool({"rsvg-convert"});
  const auto chromium = testing::find_tool({"chromium", "chromium-browser", "google-chrome"});
  const auto python = testing::find_tool({"python3"});
  ASSERT_TRUE(rsvg) << "rsvg-convert (librsvg2-bin) " << testing::kInstallHint;
  ASSERT_TRUE(chromium) << "chromium " << testing::kInstallHint;
  ASSERT_TRUE(python) << "python3 " << testing::kInstallHint;

  const std::string svg = GetParam() == "hostile" ? hostile_card() : read_golden(GetParam());
  const int height = svg_height(svg);
  ASSERT_GT(height, 0) << "no card for " << GetParam();
  const std::string dir = testing::make_temp_dir();
  ASSERT_FALSE(dir.empty());
  testing::write_file(dir + "/card.svg", svg);
  testing::write_file(
      dir + "/page.html",
      "<!DOCTYPE html><html><body style=\"margin:0;background:" + std::string(kBackdrop) +
          "\"><img src=\"card.svg\" width=\"" + std::to_string(kCardWidth) + "\" height=\"" +
          std::to_string(height) + "\" style=\"display:block\"></body></html>");
  const auto q = testing::shell_quote;
  std::string output;
  ASSERT_EQ(testing::run_command(*rsvg + " " + q(dir + "/card.svg") + " -o " + q(dir + "/rsvg.png"),
                                 output),
            0)
      << output;
  const std::string chromium_cmd =
      "timeout 120 " + *chromium +
      " --headless --no-sandbox --disable-gpu --disable-background-networking"
      " --disable-component-update --disable-sync --no-first-run --hide-scrollbars"
      " --force-device-scale-factor=1 --user-data-dir=" +
      q(dir + "/profile") + " --screenshot=" + q(dir + "/chromium.png") +
      " --window-size=" + std::to_string(kCardWidth) + "," + std::to_string(height) + " " +
      q("file://" + dir + "/page.html");
  ASSERT_EQ(testing::run_command(chromium_cmd, output), 0) << output;
  ASSERT_TRUE(std::filesystem::exists(dir + "/chromium.png")) << output;

  const std::string script = std::string(LANTERN_SOURCE_DIR) + "/tests/card/compare_rasters.py";
  const int rc = testing::run_command(*python + " " + q(script) + " " + q(dir + "/rsvg.png") + " " +
                                          q(dir + "/chromium.png") + " " + q(kBackdrop) +
                                          " 60 60 " + q(kAvatarColour),
                                      output);
  EXPECT_EQ(rc, 0) << output << "(rasters kept in " << dir << ")";
  if (std::getenv("LANTERN_KEEP_RASTERS")) {
    std::cout << "rasters of " << GetParam() << " kept in " << dir << "\n";
  } else if (!HasFailure()) {
    std::filesystem::remove_all(dir);
  }
}

INSTANTIATE_TEST_SUITE_P(Cards, RasterTest,
                         ::testing::Values("dark_playing", "light_playing", "dark_spotify",
                                           "light_offline", "custom_no_activity",
                                           "hide_global_name", "border_radius_10", "hostile"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lantern::card
