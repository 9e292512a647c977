#include "card/options.h"

#include <gtest/gtest.h>

namespace lantern::card {
namespace {

std::string error_of(QueryParams params) {
  auto result = parse_card_options(params);
  return result.ok() ? std::string("(ok)") : result.error();
}

TEST(CardOptionsTest, DefaultsFollowTheApi) {
  auto result = parse_card_options({{"svg", "1"}});
  ASSERT_TRUE(result.ok());
  const CardOptions& o = result.options();
  EXPECT_EQ(o.theme, ThemeName::kDark);
  EXPECT_EQ(o.border_radius_rem, 2.0);
  EXPECT_FALSE(o.hide_global_name || o.hide_status || o.hide_badges || o.hide_activity ||
               o.hide_last_seen || o.hide_server_tag);
  EXPECT_EQ(o.no_activity_title, "No Activity");
  EXPECT_EQ(o.no_activity_message, "User is not currently doing anything.");
}

TEST(CardOptionsTest, ParsesEveryOption) {
  auto result = parse_card_options({{"theme", "light"},
                                    {"borderRadius", "0.5"},
                                    {"hideGlobalName", "1"},
                                    {"hideStatus", "true"},
                                    {"hideBadges", "1"},
                                    {"hideActivity", "true"},
                                    {"hideLastSeen", "1"},
                                    {"hideServerTag", "1"},
                                    {"noActivityTitle", "Away"},
                                    {"noActivityMessage", "Gone fishing"}});
  ASSERT_TRUE(result.ok()) << result.error();
  const CardOptions& o = result.options();
  EXPECT_EQ(o.theme, ThemeName::kLight);
  EXPECT_EQ(o.border_radius_rem, 0.5);
  EXPECT_TRUE(o.hide_global_name && o.hide_status && o.hide_badges && o.hide_activity &&
              o.hide_last_seen && o.hide_server_tag);
  EXPECT_EQ(o.no_activity_title, "Away");
  EXPECT_EQ(o.no_activity_message, "Gone fishing");
}

TEST(CardOptionsTest, FlagsAcceptZeroAndFalse) {
  auto result = parse_card_options({{"hideStatus", "1"}, {"hideStatus", "false"}});
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result.options().hide_status);
  EXPECT_FALSE(parse_card_options({{"hideBadges", "0"}}).options().hide_badges);
}

TEST(CardOptionsTest, BorderRadiusBounds) {
  EXPECT_EQ(error_of({{"borderRadius", "0"}}), "(ok)");
  EXPECT_EQ(error_of({{"borderRadius", "10"}}), "(ok)");
  for (const char* bad : {"10.01", "-1", "", "abc", "1e1", "nan", "inf", "2rem", " 2"}) {
    EXPECT_EQ(error_of({{"borderRadius", bad}}), "borderRadius must be a number from 0 to 10.")
        << bad;
  }
}

TEST(CardOptionsTest, ErrorSentencesNameTheOptionAndWhatItAccepts) {
  EXPECT_EQ(error_of({{"theme", "blue"}}), "theme must be dark or light.");
  EXPECT_EQ(error_of({{"theme", "Dark"}}), "theme must be dark or light.");
  for (const char* flag : {"hideGlobalName", "hideStatus", "hideBadges", "hideActivity",
                           "hideLastSeen", "hideServerTag"}) {
    EXPECT_EQ(error_of({{flag, "yes"}}), std::string(flag) + " must be 0, 1, true or false.");
  }
}

TEST(CardOptionsTest, NoActivityTextLengthsCountCharactersNotBytes) {
  EXPECT_EQ(error_of({{"noActivityTitle", ""}}), "noActivityTitle must be 1-64 characters.");
  EXPECT_EQ(error_of({{"noActivityTitle", std::string(65, 'a')}}),
            "noActivityTitle must be 1-64 characters.");
  std::string emoji64;
  for (int i = 0; i < 64; ++i) emoji64 += "\xF0\x9F\x94\xA5";  // 64 x U+1F525
  EXPECT_EQ(error_of({{"noActivityTitle", emoji64}}), "(ok)");
  EXPECT_EQ(error_of({{"noActivityMessage", std::string(256, 'a')}}), "(ok)");
  EXPECT_EQ(error_of({{"noActivityMessage", std::string(257, 'a')}}),
            "noActivityMessage must be 1-256 characters.");
  EXPECT_EQ(error_of({{"noActivityMessage", ""}}), "noActivityMessage must be 1-256 characters.");
}

TEST(CardOptionsTest, UnknownKeysAreIgnored) {
  EXPECT_EQ(error_of({{"svg", "1"}, {"cacheBust", "123"}}), "(ok)");
}

}  // namespace
}  // namespace lantern::card
