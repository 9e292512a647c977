// Hostile user text: every field a user controls, filled with markup, quotes, controls,
// right-to-left text, emoji and very long strings, must give well-formed XML (checked by
// xmllint) with the text escaped and nothing but the card's own elements.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "card/render.h"
#include "card/text.h"
#include "card_samples.h"
#include "tools.h"

namespace lantern::card {
namespace {

using testing::Sample;

const std::string kScript = "<script>alert(\"x\")</script>";
const std::string kQuotes = "Tom & Jerry's \"best\" <b>day</b> ]]> <!-- -->";
const std::string kRtl = "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D \xD8\xB9\xD8\xA7\xD9\x84\xD9\x85";
const std::string kRlo =
    "abc\xE2\x80\xAE"
    "txt.exe";
const std::string kEmoji =
    "\xF0\x9F\x94\xA5\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7 "
    "\xF0\x9F\x8F\xB3\xEF\xB8\x8F\xE2\x80\x8D\xF0\x9F\x8C\x88";
const std::string kControls = std::string("a\0b\x01\x08\x0b\x0c\x1b[31m\x7f\xc2\x85z", 15);
const std::string kInvalidUtf8 = "bad\xFF\xFE\xC0\xAF utf8";

std::string hundred(const std::string& unit) {
  std::string out;
  while (count_code_points(out) < 100) out += unit;
  return out;
}

std::vector<std::string> hostile_strings() {
  return {kScript,       kQuotes,      kRtl,
          kRlo,          kEmoji,       kControls,
          kInvalidUtf8,  hundred("W"), hundred("\xE6\xBC\xA2"),
          hundred("&<>")};
}

// Every user-controlled text field of a playing member set to `text`.
Sample hostile_playing(const std::string& text) {
  Sample s = testing::playing_sample();
  s.member.user.username = text;
  s.member.user.global_name = text;
  s.member.user.server_tag->tag = text;
  auto& game = s.presence.activities[1];
  game.name = game.details.emplace(text);
  game.state = text;
  game.assets->large.text = text;
  return s;
}

Sample hostile_spotify(const std::string& text) {
  Sample s = testing::spotify_sample();
  s.member.user.username = text;
  auto& track = s.presence.activities[0];
  track.details = text;
  track.state = text + "; " + text;
  track.assets->large.text = text;
  return s;
}

std::vector<std::string> render_all(const std::string& text) {
  std::vector<std::string> cards;
  const Themes themes;
  for (const Sample& s : {hostile_playing(text), hostile_spotify(text)}) {
    cards.push_back(render_card(s.member, s.presence, s.last_seen_ms, {}, themes.dark,
                                testing::sample_images(s), testing::kNowMs));
  }
  Sample idle = testing::idle_custom_status_sample();
  CardOptions options;
  options.no_activity_title = text;
  options.no_activity_message = text;
  cards.push_back(render_card(idle.member, idle.presence, std::nullopt, options, themes.light,
                              testing::sample_images(idle), testing::kNowMs));
  return cards;
}

// The names of every element in `svg` (a cheap scan: the renderer writes no comments,
// CDATA or processing instructions, and user text has its '<' escaped).
std::set<std::string> element_names(const std::string& svg) {
  std::set<std::string> names;
  for (auto at = svg.find('<'); at != std::string::npos; at = svg.find('<', at + 1)) {
    std::size_t end = at + 1;
    if (end < svg.size() && svg[end] == '/') continue;
    while (end < svg.size() && std::isalpha(static_cast<unsigned char>(svg[end]))) ++end;
    names.insert(svg.substr(at + 1, end - at - 1));
  }
  return names;
}

TEST(HostileTextTest, OnlyTheCardsOwnElementsAppear) {
  const std::set<std::string> allowed = {"svg", "title", "defs", "clipPath", "circle", "rect",
                                         "g",   "image", "text", "path",     "ellipse"};
  for (const auto& text : hostile_strings()) {
    for (const auto& svg : render_all(text)) {
      for (const auto& name : element_names(svg)) {
        EXPECT_TRUE(allowed.count(name)) << "element <" << name << "> from " << text;
      }
      EXPECT_EQ(svg.find("<script"), std::string::npos);
      EXPECT_EQ(svg.find("foreignObject"), std::string::npos);
      EXPECT_EQ(svg.find("href=\"http"), std::string::npos);
    }
  }
}

TEST(HostileTextTest, MarkupIsEscaped) {
  const auto cards = render_all(kScript);
  EXPECT_NE(cards[0].find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"), std::string::npos);
  const auto quoted = render_all(kQuotes);
  EXPECT_NE(quoted[0].find("Tom &amp; Jerry&#39;s &quot;best&quot; &lt;b&gt;day&lt;/b&gt;"),
            std::string::npos);
}

TEST(HostileTextTest, NoControlCharactersReachTheOutput) {
  for (const auto& svg : render_all(kControls)) {
    for (unsigned char c : svg) {
      EXPECT_TRUE(c >= 0x20 || c == '\n') << "control byte " << int(c);
    }
    EXPECT_EQ(svg.find("\xC2\x85"), std::string::npos);
  }
}

TEST(HostileTextTest, RightToLeftTextAndEmojiSurvive) {
  EXPECT_NE(render_all(kRtl)[0].find(kRtl), std::string::npos);
  EXPECT_NE(render_all(kEmoji)[0].find("\xF0\x9F\x94\xA5"), std::string::npos);
  EXPECT_EQ(render_all(kRlo)[0].find("\xE2\x80\xAE"), std::string::npos) << "RLO dropped";
}

TEST(HostileTextTest, LongNamesAreCutWithAnEllipsis) {
  const auto svg = render_all(hundred("W"))[0];
  EXPECT_EQ(svg.find(hundred("W") + "</text>"), std::string::npos);  // <title> keeps it whole
  EXPECT_NE(svg.find("WWW\xE2\x80\xA6"), std::string::npos);
}

TEST(HostileTextTest, EveryCardIsWellFormedXml) {
  const auto xmllint = testing::find_tool({"xmllint"});
  ASSERT_TRUE(xmllint) << "xmllint " << testing::kInstallHint;
  const std::string dir = testing::make_temp_dir();
  ASSERT_FALSE(dir.empty());
  std::string files;
  int n = 0;
  for (const auto& text : hostile_strings()) {
    for (const auto& svg : render_all(text)) {
      const std::string path = dir + "/card" + std::to_string(n++) + ".svg";
      testing::write_file(path, svg);
      files += " " + testing::shell_quote(path);
    }
  }
  std::string output;
  EXPECT_EQ(testing::run_command(*xmllint + " --noout --nonet" + files, output), 0) << output;
  EXPECT_EQ(output, "");
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lantern::card
