#include "util/time.h"

#include <gtest/gtest.h>

#include "util/snowflake.h"

namespace lantern {
namespace {

TEST(Time, FormatsMillisecondsInUtc) {
  EXPECT_EQ(format_iso8601_ms(1620000000000), "2021-05-03T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_ms(1533777632902), "2018-08-09T01:20:32.902Z");
  EXPECT_EQ(format_iso8601_ms(0), "1970-01-01T00:00:00.000Z");
}

TEST(Time, ParsesDiscordTimestamps) {
  EXPECT_EQ(parse_iso8601_ms("2015-04-26T06:26:56.936000+00:00"), 1430029616936);
  EXPECT_EQ(parse_iso8601_ms("2021-05-03T00:00:00.000Z"), 1620000000000);
  EXPECT_EQ(parse_iso8601_ms("2021-05-03T02:00:00+02:00"), 1620000000000);
  EXPECT_EQ(parse_iso8601_ms("2021-05-03T00:00:00"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms("not a time"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ms(""), std::nullopt);
}

TEST(Time, FloorsSecondsTowardsMinusInfinity) {
  EXPECT_EQ(floor_seconds(1999), 1);
  EXPECT_EQ(floor_seconds(-1), -1);
  EXPECT_EQ(floor_seconds(-1000), -1);
}

TEST(Time, FormatsDurations) {
  EXPECT_EQ(format_duration(83), "01:23");
  EXPECT_EQ(format_duration(0), "00:00");
  EXPECT_EQ(format_duration(-5), "00:00");
  EXPECT_EQ(format_duration(3600 + 61), "1:01:01");
}

TEST(Snowflake, ApiRuleIsSeventeenToTwentyDigitsWithinUint64) {
  EXPECT_EQ(parse_api_snowflake("123456789012345678"), 123456789012345678u);
  EXPECT_EQ(parse_api_snowflake("18446744073709551615"), 18446744073709551615u);
  EXPECT_EQ(parse_api_snowflake("18446744073709551616"), std::nullopt);
  EXPECT_EQ(parse_api_snowflake("1234567890123456"), std::nullopt);
  EXPECT_EQ(parse_api_snowflake("12345678901234567a"), std::nullopt);
  EXPECT_EQ(parse_api_snowflake("+23456789012345678"), std::nullopt);
  EXPECT_EQ(parse_wire_snowflake("0"), 0u);
}

}  // namespace
}  // namespace lantern
