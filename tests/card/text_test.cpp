#include "card/text.h"

#include <gtest/gtest.h>

#include "card/data_uri.h"
#include "card/image_urls.h"
#include "card/theme.h"

namespace lantern::card {
namespace {

std::string escaped(std::string_view text) {
  std::string out;
  append_xml_text(out, text);
  return out;
}

TEST(CardTextTest, EscapesMarkup) {
  EXPECT_EQ(escaped("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
}

TEST(CardTextTest, DropsCharactersXmlForbids) {
  EXPECT_EQ(sanitize_text(std::string("a\0b\x01\x1b\x7f"
                                      "c",
                                      7)),
            "abc");
  EXPECT_EQ(sanitize_text("a\tb\nc\rd"), "a b c d");
  EXPECT_EQ(sanitize_text("x\xEF\xBF\xBEy\xEF\xBF\xBFz"), "xyz");  // U+FFFE, U+FFFF
  EXPECT_EQ(sanitize_text("\xC2\x85"
                          "a"),
            "a");  // C1 control
  EXPECT_EQ(sanitize_text("a\xE2\x80\xAE"
                          "b\xE2\x81\xA6"
                          "c"),
            "abc");  // RLO, LRI
}

TEST(CardTextTest, ReplacesInvalidUtf8) {
  EXPECT_EQ(sanitize_text("a\xFF"
                          "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(sanitize_text("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong
  EXPECT_EQ(sanitize_text("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(sanitize_text("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // truncated
}

TEST(CardTextTest, KeepsRightToLeftTextAndEmoji) {
  const std::string hebrew = "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D";
  const std::string family = "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9";
  EXPECT_EQ(sanitize_text(hebrew), hebrew);
  EXPECT_EQ(sanitize_text(family), family);
}

TEST(CardTextTest, FitTextKeepsShortTextWhole) {
  EXPECT_EQ(fit_text("lantern", 300, 15, false), "lantern");
}

TEST(CardTextTest, FitTextCutsLongTextWithAnEllipsisThatFits) {
  const std::string cut = fit_text(std::string(100, 'W'), 200, 20, true);
  EXPECT_TRUE(cut.ends_with("\xE2\x80\xA6"));
  EXPECT_LE(estimate_text_width(cut, 20, true), 200);
  EXPECT_GT(cut.size(), 3u);
}

TEST(CardTextTest, FitTextNeverSplitsACodePointOrEndsOnAJoiner) {
  std::string family;
  for (int i = 0; i < 40; ++i) family += "\xF0\x9F\x91\xA8\xE2\x80\x8D";  // man, ZWJ
  const std::string cut = fit_text(family, 100, 15, false);
  EXPECT_EQ(sanitize_text(cut), cut) << "valid UTF-8";
  EXPECT_FALSE(cut.find("\xE2\x80\x8D\xE2\x80\xA6") != std::string::npos) << "ZWJ before ellipsis";
}

TEST(CardTextTest, WidthEstimateIsConservativeForWideCharacters) {
  EXPECT_GT(estimate_text_width("\xE6\xBC\xA2", 10, false), 10);  // one CJK ideograph > 1 em
  EXPECT_GT(estimate_text_width("W", 10, true), estimate_text_width("W", 10, false));
  EXPECT_EQ(estimate_text_width("e\xCC\x81", 10, false), estimate_text_width("e", 10, false));
}

TEST(CardTextTest, RelativeTimes) {
  constexpr std::int64_t now = 1'700'000'000'000;
  EXPECT_EQ(relative_time(now - 10'000, now), "just now");
  EXPECT_EQ(relative_time(now + 10'000, now), "just now");
  EXPECT_EQ(relative_time(now - 60'000, now), "1 minute ago");
  EXPECT_EQ(relative_time(now - 5 * 60'000 - 59'000, now), "5 minutes ago");
  EXPECT_EQ(relative_time(now - 3'600'000, now), "1 hour ago");
  EXPECT_EQ(relative_time(now - 3 * 86'400'000LL, now), "3 days ago");
  EXPECT_EQ(relative_time(now - 45 * 86'400'000LL, now), "1 month ago");
  EXPECT_EQ(relative_time(now - 800 * 86'400'000LL, now), "2 years ago");
}

TEST(CardDataUriTest, SniffsTheImageTypeFromTheBytes) {
  EXPECT_EQ(sniff_image_type("\x89PNG\r\n\x1a\n...."), "image/png");
  EXPECT_EQ(sniff_image_type("\xFF\xD8\xFF\xE0"), "image/jpeg");
  EXPECT_EQ(sniff_image_type("GIF89a..."), "image/gif");
  EXPECT_EQ(sniff_image_type(std::string_view("RIFF\x10\0\0\0WEBPVP8 ", 16)), "image/webp");
  EXPECT_EQ(sniff_image_type("<svg/>"), std::nullopt);
  EXPECT_EQ(make_data_uri("GIF89a"), "data:image/gif;base64,R0lGODlh");
  EXPECT_EQ(make_data_uri("GIF89a!"), "data:image/gif;base64,R0lGODlhIQ==");
  EXPECT_EQ(make_data_uri("GIF89a!!"), "data:image/gif;base64,R0lGODlhISE=");
}

// URL building itself is tested in tests/presence/cdn_test.cpp; here: the card
// asks for the shown activity's images on the configured hosts.
TEST(CardImageUrlsTest, UsesTheConfiguredHostsForTheShownActivity) {
  CdnBases b;
  b.media_proxy = "http://127.0.0.1:9/media";
  b.cdn = "http://127.0.0.1:9/cdn";
  presence::Member m;
  m.user.id = 123456789012345678;
  presence::Presence p;
  presence::Activity custom;
  custom.type = static_cast<int>(presence::ActivityType::kCustom);
  custom.assets = presence::ActivityAssets{{"mp:custom.png", std::nullopt}, {}};
  presence::Activity game;
  game.name = "Game";
  game.application_id = "383226320970055681";
  game.assets = presence::ActivityAssets{{"mp:external/abc/x.png", std::nullopt},
                                         {"565944799331860480", std::nullopt}};
  p.activities = {custom, game};
  const CardImageUrls urls = card_image_urls(m, p, {}, b);
  EXPECT_EQ(urls.large_image, "http://127.0.0.1:9/media/external/abc/x.png");
  EXPECT_EQ(urls.small_image,
            "http://127.0.0.1:9/cdn/app-assets/383226320970055681/565944799331860480.png");
  CardOptions hidden;
  hidden.hide_activity = true;
  EXPECT_EQ(card_image_urls(m, p, hidden, b).large_image, std::nullopt);
}

TEST(CardImageUrlsTest, AvatarsAndDefaultAvatars) {
  presence::Member m;
  m.user.id = 123456789012345678;
  presence::Presence p;
  CdnBases b;
  EXPECT_EQ(card_image_urls(m, p, {}, b).avatar,
            "https://cdn.discordapp.com/embed/avatars/" +
                std::to_string((123456789012345678ull >> 22) % 6) + ".png");
  m.user.discriminator = "1337";
  EXPECT_EQ(card_image_urls(m, p, {}, b).avatar, "https://cdn.discordapp.com/embed/avatars/2.png");
  m.user.avatar = "a_abc";
  EXPECT_EQ(card_image_urls(m, p, {}, b).avatar,
            "https://cdn.discordapp.com/avatars/123456789012345678/a_abc.png?size=128");
}

TEST(CardThemeTest, ValidatesColours) {
  EXPECT_TRUE(is_valid_color("#fff"));
  EXPECT_TRUE(is_valid_color("#2B2D31"));
  EXPECT_TRUE(is_valid_color("#2b2d31cc"));
  EXPECT_FALSE(is_valid_color("red"));
  EXPECT_FALSE(is_valid_color("#12345"));
  EXPECT_FALSE(is_valid_color("#fff\" onload=\"x"));
}

}  // namespace
}  // namespace lantern::card
