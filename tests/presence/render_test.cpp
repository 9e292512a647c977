#include "presence/render.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "presence/store.h"
#include "util/time.h"

namespace lantern::presence {
namespace {

namespace json = boost::json;

constexpr std::int64_t kTrackStart = 1769904239618;  // 2026-02-01T00:03:59.618Z
constexpr std::int64_t kTrackEnd = 1769904406559;    // 166.941 s later: "02:46"

Member koi() {
  Member member;
  member.user.id = 366321739787010059;
  member.user.username = "koifishxd";
  member.user.global_name = "koi";
  member.user.avatar = "3f7db8acc85cb1486372354c131abf69";
  member.user.public_flags = 256 | (std::uint64_t{1} << 50);
  member.user.server_tag =
      ServerTag{1407192325943197706, "RESN", "681eca471aa735fe864068f9cc978760"};
  member.joined_at_ms = 1718747525463;
  return member;
}

Activity spotify(std::optional<std::int64_t> start = kTrackStart,
                 std::optional<std::int64_t> end = kTrackEnd) {
  Activity a;
  a.id = "spotify:1";
  a.name = "Spotify";
  a.type = 2;
  a.details = "Rose";
  a.state = "YungLex; Lil Boom; Ciscaux";
  a.sync_id = "0O4yYsvGWYhznwzgg4493X";
  a.created_at_ms = 1769904353437;
  a.start_ms = start;
  a.end_ms = end;
  a.assets = ActivityAssets{{"spotify:ab67616d0000b27375bf186f00f7b0b88cf5c5b9", "Rose"}, {}};
  return a;
}

Activity custom_status() {
  Activity a;
  a.id = "custom";
  a.name = "Custom Status";
  a.type = 4;
  a.state = "say \"hi\"\n";
  a.created_at_ms = 1700000000123;
  a.emoji = ActivityEmoji{"🔥", std::nullopt, false};
  return a;
}

Presence listening() {
  Presence p;
  p.status = Status::kDnd;
  p.client_status.desktop = Status::kDnd;
  p.client_status.mobile = Status::kDnd;
  p.activities = {spotify(), custom_status()};
  return p;
}

std::string render(const Member& m, const Presence& p, std::int64_t now_ms,
                   std::optional<std::int64_t> last_seen = std::nullopt,
                   const StoragePairs* storage = nullptr) {
  std::string out;
  render_user(m, p, last_seen, storage).append_to(out, now_ms);
  return out;
}

json::value parse(std::string_view text) {
  return json::parse(text);
}

// The complete object, byte for byte: checks key order (API.md section 1),
// escaping and the splice of the elapsed time.
TEST(RenderTest, ExactTextInApiKeyOrder) {
  const StoragePairs storage{{"a", "1"}};
  const std::string text = render(koi(), listening(), kTrackStart + 61'000, std::nullopt, &storage);
  const std::string expected =
      R"({"metadata":{"id":"366321739787010059","username":"koifishxd","discriminator":"0",)"
      R"("global_name":"koi","avatar":"3f7db8acc85cb1486372354c131abf69",)"
      R"("avatar_url":"https://cdn.discordapp.com/avatars/366321739787010059/3f7db8acc85cb1486372354c131abf69.png",)"
      R"("display_avatar_url":"https://cdn.discordapp.com/avatars/366321739787010059/3f7db8acc85cb1486372354c131abf69.png",)"
      R"("bot":false,"flags":{"human_readable":["HypeSquadOnlineHouse3","Collaborator"],"bitfield":1125899906842880},)"
      R"("monitoring_since":{"unix":1718747525,"raw":"2024-06-18T21:52:05.463Z"}},)"
      R"("status":"dnd","active_platforms":{"desktop":"dnd","mobile":"dnd","web":"offline",)"
      R"("spotify":{"track_id":"0O4yYsvGWYhznwzgg4493X","song":"Rose","artist":"YungLex; Lil Boom; Ciscaux",)"
      R"("album":"Rose","album_cover":"https://i.scdn.co/image/ab67616d0000b27375bf186f00f7b0b88cf5c5b9",)"
      R"("start_time":{"unix":1769904239,"raw":"2026-02-01T00:03:59.618Z"},)"
      R"("end_time":{"unix":1769904406,"raw":"2026-02-01T00:06:46.559Z"},)"
      R"("time":{"start_human_readable":"01:01","current_human_readable":"01:01","end_human_readable":"02:46"}}},)"
      R"("activities":[{"id":"spotify:1","name":"Spotify","type":"LISTENING","state":"YungLex; Lil Boom; Ciscaux",)"
      R"("details":"Rose","application_id":null,"url":null,"created_at":1769904353,"emoji":null,)"
      R"("assets":{"large_image":{"hash":"spotify:ab67616d0000b27375bf186f00f7b0b88cf5c5b9",)"
      R"("image_url":"https://i.scdn.co/image/ab67616d0000b27375bf186f00f7b0b88cf5c5b9","text":"Rose"},)"
      R"("small_image":null},"start_time":{"unix":1769904239,"raw":"2026-02-01T00:03:59.618Z"},)"
      R"("end_time":{"unix":1769904406,"raw":"2026-02-01T00:06:46.559Z"}},)"
      R"({"id":"custom","name":"Custom Status","type":"CUSTOM","state":"say \"hi\"\n","details":null,)"
      R"("application_id":null,"url":null,"created_at":1700000000,)"
      R"("emoji":{"name":"🔥","id":null,"animated":false,"url":null},"assets":null,)"
      R"("start_time":null,"end_time":null}],)"
      R"("storage":{"a":"1"},"last_seen_at":{"unix":null,"raw":null},)"
      R"("server_tag":{"guild_id":"1407192325943197706","name":"RESN",)"
      R"("icon_url":"https://cdn.discordapp.com/guild-tag-badges/1407192325943197706/681eca471aa735fe864068f9cc978760.png"}})";
  EXPECT_EQ(text, expected);
  EXPECT_EQ(parse(text).at("activities").at(1).at("state").as_string(), "say \"hi\"\n");
}

std::string elapsed_at(const Presence& p, std::int64_t now_ms) {
  const json::value v = parse(render(koi(), p, now_ms));
  const auto& time = v.at("active_platforms").at("spotify").at("time");
  EXPECT_EQ(time.at("start_human_readable"), time.at("current_human_readable"));
  return std::string(time.at("current_human_readable").as_string());
}

TEST(RenderTest, SpotifyElapsedIsClampedToTheTrack) {
  const Presence p = listening();
  EXPECT_EQ(elapsed_at(p, kTrackStart - 5'000), "00:00");
  EXPECT_EQ(elapsed_at(p, kTrackStart + 999), "00:00");
  EXPECT_EQ(elapsed_at(p, kTrackStart + 1'000), "00:01");
  EXPECT_EQ(elapsed_at(p, kTrackStart + 165'999), "02:45");
  EXPECT_EQ(elapsed_at(p, kTrackEnd + 3'600'000), "02:46");
}

TEST(RenderTest, SpotifyFromOneHourOnUsesHours) {
  Presence p = listening();
  p.activities[0].end_ms = kTrackStart + 2 * 3'600'000 + 5'000;
  EXPECT_EQ(elapsed_at(p, kTrackStart + 3'665'000), "1:01:05");
  const json::value v = parse(render(koi(), p, kTrackStart));
  EXPECT_EQ(v.at("active_platforms").at("spotify").at("time").at("end_human_readable"), "2:00:05");
}

TEST(RenderTest, SpotifyWithoutTimestampsRendersNulls) {
  Presence p = listening();
  p.activities[0] = spotify(std::nullopt, std::nullopt);
  p.activities[0].sync_id.reset();
  const json::value v = parse(render(koi(), p, kTrackStart));
  const auto& s = v.at("active_platforms").at("spotify");
  EXPECT_EQ(s.at("track_id"), nullptr);
  EXPECT_EQ(s.at("start_time"), parse(R"({"unix":null,"raw":null})"));
  EXPECT_EQ(s.at("time"), parse(R"({"start_human_readable":null,"current_human_readable":null,
                                    "end_human_readable":null})"));
  EXPECT_EQ(v.at("activities").at(0).at("start_time"), nullptr);
}

TEST(RenderTest, OfflineMemberShowsNoActivityWhateverThePresenceHeld) {
  Presence p = listening();
  p.status = Status::kOffline;  // e.g. "invisible" as parsed
  const json::value v = parse(render(koi(), p, kTrackStart, 1769904406559));
  EXPECT_EQ(v.at("status"), "offline");
  EXPECT_EQ(v.at("active_platforms"),
            parse(R"({"desktop":"offline","mobile":"offline","web":"offline","spotify":null})"));
  EXPECT_EQ(v.at("activities"), json::array());
  EXPECT_EQ(v.at("last_seen_at"), parse(R"({"unix":1769904406,"raw":"2026-02-01T00:06:46.559Z"})"));
}

TEST(RenderTest, MemberWithoutAvatarTagOrJoinDate) {
  Member m;
  m.user.id = 486832262592069632;
  m.user.username = "Disgord tester";
  m.user.discriminator = "9338";
  m.user.bot = true;
  const json::value v = parse(render(m, Presence{}, 0));
  const json::value expected = parse(R"({
    "id": "486832262592069632", "username": "Disgord tester", "discriminator": "9338",
    "global_name": null, "avatar": null, "avatar_url": null,
    "display_avatar_url": "https://cdn.discordapp.com/embed/avatars/3.png", "bot": true,
    "flags": {"human_readable": [], "bitfield": 0},
    "monitoring_since": {"unix": null, "raw": null}})");
  EXPECT_EQ(v.at("metadata"), expected);
  EXPECT_EQ(v.at("server_tag"), nullptr);
  EXPECT_EQ(v.at("storage"), json::object());
}

TEST(RenderTest, AssetsWithTextOnlyAndUnknownActivityTypes) {
  Activity game;
  game.id = "a";
  game.name = "Game";
  game.type = 0;
  game.application_id = "356875221078245376";
  game.assets = ActivityAssets{{std::nullopt, "hover"}, {"unknown:x", std::nullopt}};
  Activity empty_assets = game;
  empty_assets.assets = ActivityAssets{};
  Activity future = game;
  future.type = 9;
  Presence p;
  p.status = Status::kOnline;
  p.activities = {game, future, empty_assets};
  const json::value v = parse(render(koi(), p, 0));
  ASSERT_EQ(v.at("activities").as_array().size(), 2u);
  EXPECT_EQ(v.at("activities").at(0).at("assets"),
            parse(R"({"large_image":{"hash":null,"image_url":null,"text":"hover"},
                      "small_image":{"hash":"unknown:x","image_url":null,"text":null}})"));
  EXPECT_EQ(v.at("activities").at(1).at("assets"), nullptr);
}

TEST(RenderTest, ControlCharactersAreEscaped) {
  std::string out;
  append_json_string(out, std::string("a\x01\tb\\\x1f", 6));
  EXPECT_EQ(out, R"("a\u0001\tb\\\u001f")");
  EXPECT_EQ(json::parse(out).as_string(), std::string("a\x01\tb\\\x1f", 6));
}

// append_json_string skips clean text 8 bytes at a time: every byte that needs
// an escape must be found at every offset, next to ASCII and UTF-8 neighbours.
TEST(RenderTest, EscapesAreFoundAtEveryOffsetOfTheWordScan) {
  const auto reference = [](std::string_view text) {
    std::string out = "\"";
    for (const char ch : text) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"') {
        out += "\\\"";
      } else if (c == '\\') {
        out += "\\\\";
      } else if (c >= 0x20) {
        out += ch;
      } else {
        // Same short forms as the renderer, else \u00XX.
        switch (c) {
          case '\n':
            out += "\\n";
            break;
          case '\r':
            out += "\\r";
            break;
          case '\t':
            out += "\\t";
            break;
          case '\b':
            out += "\\b";
            break;
          case '\f':
            out += "\\f";
            break;
          default: {
            static constexpr char kHexDigits[] = "0123456789abcdef";
            out += "\\u00";
            out += kHexDigits[c >> 4];
            out += kHexDigits[c & 0xF];
          }
        }
      }
    }
    return out + "\"";
  };
  const std::string specials("\"\\\x00\x01\x1f\n\t\x7f\xc3\xa9\x20\x21\x5b\x5d", 14);
  for (std::size_t length = 0; length <= 24; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      for (const char special : specials) {
        std::string text(length, 'x');
        text[at] = special;
        std::string out;
        append_json_string(out, text);
        ASSERT_EQ(out, reference(text)) << "length " << length << " offset " << at;
      }
    }
  }
}

TEST(RenderTest, TimestampsMatchTheUtilFormatter) {
  for (std::int64_t ms : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{-86'400'001},
                          std::int64_t{951782400000} /* 2000-02-29 */, std::int64_t{1718747525463},
                          std::int64_t{4102444799999}, std::int64_t{253402300800000} /* 10000 */,
                          std::int64_t{-62167219200001} /* before year 0 */}) {
    Member m = koi();
    m.joined_at_ms = ms;
    const json::value v = parse(render(m, Presence{}, 0));
    const auto& since = v.at("metadata").at("monitoring_since");
    EXPECT_EQ(since.at("raw").as_string(), format_iso8601_ms(ms)) << ms;
    EXPECT_EQ(since.at("unix").as_int64(), floor_seconds(ms)) << ms;
  }
}

TEST(RenderTest, SpotifyElapsedHelper) {
  EXPECT_EQ(spotify_elapsed(10'000, 0, std::nullopt), "00:10");
  EXPECT_EQ(spotify_elapsed(10'000, 0, 4), "00:04");
  EXPECT_EQ(spotify_elapsed(0, 10'000, 4), "00:00");
}

TEST(UserViewTest, JsonMatchesTheRendererAndKeepsTheModel) {
  auto pairs = std::make_shared<const StoragePairs>(StoragePairs{{"k", "v"}});
  const auto view = UserView::make(koi(), listening(), std::nullopt, pairs);
  EXPECT_EQ(view->json(kTrackStart + 61'000),
            render(koi(), listening(), kTrackStart + 61'000, std::nullopt, pairs.get()));
  EXPECT_EQ(view->id(), 366321739787010059u);
  EXPECT_EQ(view->storage().at("k"), "v");
  EXPECT_EQ(view->presence(), listening());
}

}  // namespace
}  // namespace lantern::presence
