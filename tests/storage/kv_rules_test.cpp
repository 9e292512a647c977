#include "storage/kv_rules.h"

#include <gtest/gtest.h>

#include <string>

namespace lantern::storage {
namespace {

TEST(KvRules, Keys) {
  EXPECT_EQ(validate_key("a"), std::nullopt);
  EXPECT_EQ(validate_key("azAZ09"), std::nullopt);
  EXPECT_EQ(validate_key(std::string(255, 'k')), std::nullopt);
  EXPECT_EQ(validate_key(""), kErrorBadKey);
  EXPECT_EQ(validate_key(std::string(256, 'k')), kErrorBadKey);
  for (const char* bad : {"a-b", "a_b", "a b", "a.b", "ä", "a/b", "key\n"}) {
    EXPECT_EQ(validate_key(bad), kErrorBadKey) << bad;
  }
}

TEST(KvRules, SentencesAreTheApiOnes) {
  EXPECT_EQ(kErrorBadKey, "key must be 1-255 characters of a-z, A-Z and 0-9.");
  EXPECT_EQ(kErrorValueRequired, "value is required and must be a string.");
  EXPECT_EQ(kErrorValueTooLong, "value must be at most 30000 characters.");
  EXPECT_EQ(kErrorStorageFull, "Storage is full: at most 512 keys per user.");
}

std::string repeat(std::string_view unit, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += unit;
  return out;
}

TEST(KvRules, ValueLengthCountsCodePoints) {
  EXPECT_EQ(validate_value(""), std::nullopt);
  EXPECT_EQ(validate_value(repeat("a", 30000)), std::nullopt);
  EXPECT_EQ(validate_value(repeat("a", 30001)), kErrorValueTooLong);
  // 2-, 3- and 4-byte characters count as one each.
  EXPECT_EQ(validate_value(repeat("é", 30000)), std::nullopt);
  EXPECT_EQ(validate_value(repeat("é", 30001)), kErrorValueTooLong);
  EXPECT_EQ(validate_value(repeat("€", 30000)), std::nullopt);
  EXPECT_EQ(validate_value(repeat("😀", 30000)), std::nullopt);  // 120,000 bytes
  EXPECT_EQ(validate_value(repeat("😀", 30001)), kErrorValueTooLong);
  EXPECT_EQ(validate_value(repeat("😀", 29999) + "ab"), kErrorValueTooLong);
}

TEST(KvRules, CodePointCounting) {
  EXPECT_EQ(utf8_code_points(""), 0u);
  EXPECT_EQ(utf8_code_points("abc"), 3u);
  EXPECT_EQ(utf8_code_points("aé€😀"), 4u);
  EXPECT_EQ(utf8_code_points(std::string_view("\0", 1)), 1u);
}

TEST(KvRules, InvalidUtf8IsRefused) {
  for (const char* bad : {"\x80", "\xC3", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80",
                          "\xF4\x90\x80\x80", "\xF8\x88\x80\x80\x80", "a\xFF", "\xE2\x82"}) {
    EXPECT_EQ(utf8_code_points(bad), std::nullopt) << bad;
    EXPECT_EQ(validate_value(bad), kErrorValueRequired);
  }
  // A short value that is invalid, and a long one: both refused as not-a-string.
  EXPECT_EQ(validate_value(repeat("a", 40000) + "\xFF"), kErrorValueRequired);
}

}  // namespace
}  // namespace lantern::storage
