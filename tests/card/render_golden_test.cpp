// Golden-file tests of the card: one per theme and per option (API.md section 4).
#include <gtest/gtest.h>

#include <functional>

#include "card/options.h"
#include "card/render.h"
#include "card/theme.h"
#include "card_samples.h"
#include "golden.h"

namespace lantern::card {
namespace {

using testing::Sample;

struct GoldenCase {
  std::string name;
  std::function<Sample()> sample;
  QueryParams params;
};

std::string render_case(const GoldenCase& c) {
  const Sample sample = c.sample();
  const auto parsed = parse_card_options(c.params);
  EXPECT_TRUE(parsed.ok()) << c.name;
  const CardOptions options = parsed.ok() ? parsed.options() : CardOptions{};
  return render_card(sample.member, sample.presence, sample.last_seen_ms, options,
                     Themes{}.get(options.theme), testing::sample_images(sample), testing::kNowMs);
}

std::vector<GoldenCase> golden_cases() {
  using testing::idle_custom_status_sample;
  using testing::offline_sample;
  using testing::playing_sample;
  using testing::spotify_sample;
  return {
      {"dark_playing", playing_sample, {}},
      {"light_playing", playing_sample, {{"theme", "light"}}},
      {"dark_spotify", spotify_sample, {}},
      {"light_spotify", spotify_sample, {{"theme", "light"}}},
      {"dark_offline", offline_sample, {}},
      {"light_offline", offline_sample, {{"theme", "light"}}},
      {"dark_no_activity", idle_custom_status_sample, {}},
      {"border_radius_0", playing_sample, {{"borderRadius", "0"}}},
      {"border_radius_10", playing_sample, {{"borderRadius", "10"}}},
      {"hide_global_name", playing_sample, {{"hideGlobalName", "1"}}},
      {"hide_status", playing_sample, {{"hideStatus", "true"}}},
      {"hide_badges", playing_sample, {{"hideBadges", "1"}}},
      {"hide_activity", playing_sample, {{"hideActivity", "1"}}},
      {"hide_server_tag", playing_sample, {{"hideServerTag", "1"}}},
      {"hide_last_seen", offline_sample, {{"hideLastSeen", "1"}}},
      {"custom_no_activity",
       idle_custom_status_sample,
       {{"noActivityTitle", "Touching grass"}, {"noActivityMessage", "Back soon, probably."}}},
  };
}

class GoldenCardTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenCardTest, MatchesGoldenFile) {
  testing::expect_golden(GetParam().name, render_case(GetParam()));
}

TEST_P(GoldenCardTest, IsDeterministic) {
  EXPECT_EQ(render_case(GetParam()), render_case(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Cards, GoldenCardTest, ::testing::ValuesIn(golden_cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace lantern::card
