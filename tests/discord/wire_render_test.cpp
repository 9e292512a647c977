// Golden tests: captured gateway payloads, decoded and applied to a store, must
// render exactly the user data of API.md section 1. Expected objects are written
// by hand; they are compared as parsed JSON (key order is covered by
// presence/render_test.cpp's byte-exact test).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "discord/wire_decode.h"
#include "presence/store.h"
#include "testing/fixtures.h"

namespace lantern::discord {
namespace {

namespace json = boost::json;
using lantern::testing::read_fixture;

// A store for one guild, fed with raw gateway payload text.
class Harness {
 public:
  explicit Harness(Snowflake guild) : store_(guild, nullptr, nullptr) {}

  void feed(std::string_view payload) {
    const auto envelope = decode_envelope(payload);
    ASSERT_TRUE(envelope) << envelope.error;
    const auto event = decode_store_event(envelope->type, envelope->data);
    ASSERT_TRUE(event) << event.error;
    std::visit([&](const auto& e) { store_.apply(e); }, *event.value);
  }
  void feed_fixture(const std::string& name) { feed(read_fixture("discord/" + name)); }

  json::value user(Snowflake id, std::int64_t now_ms) const {
    const auto view = store_.find(id);
    EXPECT_NE(view, nullptr) << id;
    return view ? json::parse(view->json(now_ms)) : json::value();
  }

  presence::PresenceStore& store() { return store_; }

 private:
  presence::PresenceStore store_;
};

constexpr Snowflake kReactGuild = 1378135304107458560;
constexpr Snowflake kPaicordGuild = 1015060230222131221;

TEST(GoldenTest, CustomAnimatedEmojiSpotifyAppAssetsAndMediaProxy) {
  Harness h(kReactGuild);
  h.feed(R"({"t":"GUILD_MEMBER_ADD","op":0,"s":1,"d":{"guild_id":"1378135304107458560",
    "joined_at":"2023-02-05T20:26:10.754000+00:00","roles":[],"deaf":false,"mute":false,
    "user":{"id":"194976024457510912","username":"nate-wilkins","discriminator":"5455",
            "global_name":null,"avatar":"abe8b7a14d105e50135dc08c9611d380","public_flags":64}}})");
  h.feed_fixture(
      "presence_update.custom_emoji_spotify_games_premid.DERIVED.react-discord-presence.json");
  const json::value expected = json::parse(R"({
    "metadata": {
      "id": "194976024457510912", "username": "nate-wilkins", "discriminator": "5455",
      "global_name": null, "avatar": "abe8b7a14d105e50135dc08c9611d380",
      "avatar_url": "https://cdn.discordapp.com/avatars/194976024457510912/abe8b7a14d105e50135dc08c9611d380.png",
      "display_avatar_url": "https://cdn.discordapp.com/avatars/194976024457510912/abe8b7a14d105e50135dc08c9611d380.png",
      "bot": false,
      "flags": {"human_readable": ["HypeSquadOnlineHouse1"], "bitfield": 64},
      "monitoring_since": {"unix": 1675628770, "raw": "2023-02-05T20:26:10.754Z"}
    },
    "status": "online",
    "active_platforms": {
      "desktop": "online", "mobile": "offline", "web": "offline",
      "spotify": {
        "track_id": "77wq6jYIE2g0VcMjRfHdY0", "song": "Black Betty", "artist": "Caravan Palace",
        "album": "Black Betty - Single",
        "album_cover": "https://i.scdn.co/image/ab67616d0000b2733f6f0a8864b04cf0486d92b7",
        "start_time": {"unix": 1676232497, "raw": "2023-02-12T20:08:17.145Z"},
        "end_time": {"unix": 1676232687, "raw": "2023-02-12T20:11:27.101Z"},
        "time": {"start_human_readable": "01:15", "current_human_readable": "01:15",
                 "end_human_readable": "03:09"}
      }
    },
    "activities": [
      {"id": "custom", "name": "Custom Status", "type": "CUSTOM", "state": "😼", "details": null,
       "application_id": null, "url": null, "created_at": 1675542370,
       "emoji": {"name": "eyesshaking", "id": "662645652668547083", "animated": true,
                 "url": "https://cdn.discordapp.com/emojis/662645652668547083.gif"},
       "assets": null, "start_time": null, "end_time": null},
      {"id": "spotify:1", "name": "Spotify", "type": "LISTENING", "state": "Caravan Palace",
       "details": "Black Betty", "application_id": null, "url": null, "created_at": 1676232497,
       "emoji": null,
       "assets": {"large_image": {"hash": "spotify:ab67616d0000b2733f6f0a8864b04cf0486d92b7",
                                  "image_url": "https://i.scdn.co/image/ab67616d0000b2733f6f0a8864b04cf0486d92b7",
                                  "text": "Black Betty - Single"},
                  "small_image": null},
       "start_time": {"unix": 1676232497, "raw": "2023-02-12T20:08:17.145Z"},
       "end_time": {"unix": 1676232687, "raw": "2023-02-12T20:11:27.101Z"}},
      {"id": "adcc4377e4f48e4d", "name": "Neovim", "type": "PLAYING",
       "state": "Editing DiscordPresence.test.tsx", "details": "Working on react-discord-presence",
       "application_id": "793271441293967371", "url": null, "created_at": 1675547708, "emoji": null,
       "assets": {"large_image": {"hash": "794715651365273600",
                                  "image_url": "https://cdn.discordapp.com/app-assets/793271441293967371/794715651365273600.png",
                                  "text": "Neovide"},
                  "small_image": {"hash": "794715645786587137",
                                  "image_url": "https://cdn.discordapp.com/app-assets/793271441293967371/794715645786587137.png",
                                  "text": "React"}},
       "start_time": {"unix": 1675547220, "raw": "2023-02-04T21:47:00.000Z"}, "end_time": null},
      {"id": "b5929b2fee89662a", "name": "Overwatch 2", "type": "PLAYING", "state": null,
       "details": null, "application_id": "356875221078245376", "url": null,
       "created_at": 1675651894, "emoji": null, "assets": null,
       "start_time": {"unix": 1675651894, "raw": "2023-02-06T02:51:34.032Z"}, "end_time": null},
      {"id": "f7c5f368d72a4f8", "name": "YouTube", "type": "PLAYING", "state": null,
       "details": "Browsing...", "application_id": "463097721130188830", "url": null,
       "created_at": 1676827887, "emoji": null,
       "assets": {"large_image": {"hash": "mp:external/aMfYN8fu5BRlIE4qbxnOZLsp-nNQ7SfJA8-3qM8Zneo/https/i.imgur.com/o5injgg.png",
                                  "image_url": "https://media.discordapp.net/external/aMfYN8fu5BRlIE4qbxnOZLsp-nNQ7SfJA8-3qM8Zneo/https/i.imgur.com/o5injgg.png",
                                  "text": "PreMiD  v2.2.0 • Ext v2.2.3"},
                  "small_image": null},
       "start_time": {"unix": 1676895782, "raw": "2023-02-20T12:23:02.000Z"}, "end_time": null}
    ],
    "storage": {},
    "last_seen_at": {"unix": null, "raw": null},
    "server_tag": null
  })");
  EXPECT_EQ(h.user(194976024457510912, 1676232497145 + 75'400), expected);
}

TEST(GoldenTest, ServerTagSeveralArtistsWatchingAndClampedElapsed) {
  Harness h(kPaicordGuild);
  h.feed_fixture("guild_member_add.primary_guild_decoration_nameplate.DERIVED.paicord.json");
  h.feed_fixture("presence_update.spotify_game_premid_mp_external.DERIVED.paicord.json");
  const json::value expected = json::parse(R"({
    "metadata": {
      "id": "366321739787010059", "username": "koifishxd", "discriminator": "0",
      "global_name": "koi", "avatar": "3f7db8acc85cb1486372354c131abf69",
      "avatar_url": "https://cdn.discordapp.com/avatars/366321739787010059/3f7db8acc85cb1486372354c131abf69.png",
      "display_avatar_url": "https://cdn.discordapp.com/avatars/366321739787010059/3f7db8acc85cb1486372354c131abf69.png",
      "bot": false,
      "flags": {"human_readable": ["HypeSquadOnlineHouse3"], "bitfield": 256},
      "monitoring_since": {"unix": 1718747525, "raw": "2024-06-18T21:52:05.463Z"}
    },
    "status": "dnd",
    "active_platforms": {
      "desktop": "dnd", "mobile": "dnd", "web": "offline",
      "spotify": {
        "track_id": "0O4yYsvGWYhznwzgg4493X", "song": "Rose",
        "artist": "YungLex; Lil Boom; Ciscaux", "album": "Rose",
        "album_cover": "https://i.scdn.co/image/ab67616d0000b27375bf186f00f7b0b88cf5c5b9",
        "start_time": {"unix": 1769904239, "raw": "2026-02-01T00:03:59.618Z"},
        "end_time": {"unix": 1769904406, "raw": "2026-02-01T00:06:46.559Z"},
        "time": {"start_human_readable": "02:46", "current_human_readable": "02:46",
                 "end_human_readable": "02:46"}
      }
    },
    "activities": [
      {"id": "spotify:1", "name": "Spotify", "type": "LISTENING",
       "state": "YungLex; Lil Boom; Ciscaux", "details": "Rose", "application_id": null,
       "url": null, "created_at": 1769904353, "emoji": null,
       "assets": {"large_image": {"hash": "spotify:ab67616d0000b27375bf186f00f7b0b88cf5c5b9",
                                  "image_url": "https://i.scdn.co/image/ab67616d0000b27375bf186f00f7b0b88cf5c5b9",
                                  "text": "Rose"},
                  "small_image": null},
       "start_time": {"unix": 1769904239, "raw": "2026-02-01T00:03:59.618Z"},
       "end_time": {"unix": 1769904406, "raw": "2026-02-01T00:06:46.559Z"}},
      {"id": "ccee1fabaa8a355e", "name": "Arknights:Endfield", "type": "PLAYING", "state": null,
       "details": null, "application_id": "1461154307171811401", "url": null,
       "created_at": 1769904114, "emoji": null, "assets": null,
       "start_time": {"unix": 1769904111, "raw": "2026-02-01T00:01:51.948Z"}, "end_time": null},
      {"id": "f7bc0b2997164dfd", "name": "YouTube", "type": "WATCHING", "state": null,
       "details": "Viewing home page", "application_id": "463097721130188830", "url": null,
       "created_at": 1769899338, "emoji": null,
       "assets": {"large_image": {"hash": "mp:external/rqJdUc_gEj_38ku0G14If-M0XfkyY0CSaGfaWRAydOU/https/cdn.rcd.gg/PreMiD/websites/Y/YouTube/assets/logo.png",
                                  "image_url": "https://media.discordapp.net/external/rqJdUc_gEj_38ku0G14If-M0XfkyY0CSaGfaWRAydOU/https/cdn.rcd.gg/PreMiD/websites/Y/YouTube/assets/logo.png",
                                  "text": null},
                  "small_image": null},
       "start_time": {"unix": 1769897827, "raw": "2026-01-31T22:17:07.000Z"}, "end_time": null}
    ],
    "storage": {},
    "last_seen_at": {"unix": null, "raw": null},
    "server_tag": {"guild_id": "1407192325943197706", "name": "RESN",
                   "icon_url": "https://cdn.discordapp.com/guild-tag-badges/1407192325943197706/681eca471aa735fe864068f9cc978760.png"}
  })");
  // 200 s after a 166 s track started: clamped to the track length.
  EXPECT_EQ(h.user(366321739787010059, 1769904239618 + 200'000), expected);
}

constexpr char kAridanJoin[] = R"({"t":"GUILD_MEMBER_ADD","op":0,"s":1,"d":{
  "guild_id":"1378135304107458560","joined_at":"2025-04-30T10:00:00.000000+00:00",
  "user":{"id":"701403809129168978","username":"aridan","discriminator":"0",
          "global_name":"Aridan","avatar":null,"public_flags":0}}})";

TEST(GoldenTest, ApplicationAssetsAndNonSpotifyListening) {
  Harness h(kReactGuild);
  h.feed(kAridanJoin);
  h.feed_fixture("presence_update.vscode_apple_music_mp_external.DERIVED.aridan.json");
  const json::value user = h.user(701403809129168978, 1746130400000);
  EXPECT_EQ(user.at("active_platforms").at("spotify"), nullptr);  // Apple Music is not Spotify
  EXPECT_EQ(user.at("metadata").at("avatar_url"), nullptr);
  EXPECT_EQ(user.at("metadata").at("display_avatar_url"),
            "https://cdn.discordapp.com/embed/avatars/1.png");  // (id >> 22) % 6
  const json::value expected = json::parse(R"json([
    {"id": "131609d86c0fb99", "name": "Visual Studio Code", "type": "PLAYING",
     "state": "Workspace: actuallyaridan.github.io", "details": "Editing lanyard-setup.md",
     "application_id": "383226320970055681", "url": null, "created_at": 1746130323, "emoji": null,
     "assets": {"large_image": {"hash": "1359299128655347824",
                                "image_url": "https://cdn.discordapp.com/app-assets/383226320970055681/1359299128655347824.png",
                                "text": "Editing a MARKDOWN file"},
                "small_image": {"hash": "1359299466493956258",
                                "image_url": "https://cdn.discordapp.com/app-assets/383226320970055681/1359299466493956258.png",
                                "text": "Visual Studio Code"}},
     "start_time": {"unix": 1746127463, "raw": "2025-05-01T19:24:23.362Z"}, "end_time": null},
    {"id": "958cefcffebd0a48", "name": "Apple Music", "type": "LISTENING", "state": "Meghan Trainor",
     "details": "No Excuses", "application_id": "773825528921849856", "url": null,
     "created_at": 1746130334, "emoji": null,
     "assets": {"large_image": {"hash": "mp:external/rajo2bMzZNQy5NuR2wlOe-ir4uMGYZIgaoQC8QHUX3A/https/is1-ssl.mzstatic.com/image/thumb/Music125/v4/a5/9c/b7/a59cb74b-9432-a572-8e26-ce5bf20340ba/886448570417.jpg/100x100bb.jpg",
                                "image_url": "https://media.discordapp.net/external/rajo2bMzZNQy5NuR2wlOe-ir4uMGYZIgaoQC8QHUX3A/https/is1-ssl.mzstatic.com/image/thumb/Music125/v4/a5/9c/b7/a59cb74b-9432-a572-8e26-ce5bf20340ba/886448570417.jpg/100x100bb.jpg",
                                "text": "TREAT MYSELF (DELUXE)"},
                "small_image": null},
     "start_time": {"unix": 1746130326, "raw": "2025-05-01T20:12:06.759Z"},
     "end_time": {"unix": 1746130478, "raw": "2025-05-01T20:14:38.759Z"}}
  ])json");
  EXPECT_EQ(user.at("activities"), expected);
}

TEST(GoldenTest, TwitchStreamAndYoutubeAssets) {
  Harness h(kReactGuild);
  h.feed(kAridanJoin);
  h.feed(R"({"t":"PRESENCE_UPDATE","op":0,"s":2,"d":{"user":{"id":"701403809129168978"},
    "guild_id":"1378135304107458560","status":"online","client_status":{"web":"online"},
    "activities":[
      {"type":1,"name":"Twitch","id":"e6e2d4b9c3a1f0d7","url":"https://www.twitch.tv/lantern_dev",
       "details":"Building Lantern","state":"Software and Game Development",
       "created_at":1746130000000,"assets":{"large_image":"twitch:lantern_dev"}},
      {"type":3,"name":"YouTube","id":"9c1b2a3d4e5f6a7b","created_at":1746130000999,
       "application_id":"111111111111111111",
       "assets":{"large_image":"youtube:dQw4w9WgXcQ","large_text":"Never Gonna Give You Up"}}]}})");
  const json::value user = h.user(701403809129168978, 0);
  EXPECT_EQ(
      user.at("active_platforms"),
      json::parse(R"({"desktop":"offline","mobile":"offline","web":"online","spotify":null})"));
  const json::value expected = json::parse(R"([
    {"id": "e6e2d4b9c3a1f0d7", "name": "Twitch", "type": "STREAMING", "state": "Software and Game Development",
     "details": "Building Lantern", "application_id": null, "url": "https://www.twitch.tv/lantern_dev",
     "created_at": 1746130000, "emoji": null,
     "assets": {"large_image": {"hash": "twitch:lantern_dev",
                                "image_url": "https://static-cdn.jtvnw.net/previews-ttv/live_user_lantern_dev.png",
                                "text": null},
                "small_image": null},
     "start_time": null, "end_time": null},
    {"id": "9c1b2a3d4e5f6a7b", "name": "YouTube", "type": "WATCHING", "state": null, "details": null,
     "application_id": "111111111111111111", "url": null, "created_at": 1746130000, "emoji": null,
     "assets": {"large_image": {"hash": "youtube:dQw4w9WgXcQ",
                                "image_url": "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault_live.jpg",
                                "text": "Never Gonna Give You Up"},
                "small_image": null},
     "start_time": null, "end_time": null}
  ])");
  EXPECT_EQ(user.at("activities"), expected);
}

TEST(GoldenTest, LegacyDiscriminatorBotWithoutAvatarOrPresence) {
  Harness h(900000000000000008);
  h.feed_fixture("guild_create.v10.bot_only.accordjl.json");
  const json::value user = h.user(900000000000000018, 0);
  EXPECT_EQ(user, json::parse(R"({
    "metadata": {"id": "900000000000000018", "username": "username_2", "discriminator": "7281",
                 "global_name": null, "avatar": null, "avatar_url": null,
                 "display_avatar_url": "https://cdn.discordapp.com/embed/avatars/1.png",
                 "bot": true, "flags": {"human_readable": [], "bitfield": 0},
                 "monitoring_since": {"unix": 1770575691, "raw": "2026-02-08T18:34:51.331Z"}},
    "status": "offline",
    "active_platforms": {"desktop": "offline", "mobile": "offline", "web": "offline", "spotify": null},
    "activities": [], "storage": {}, "last_seen_at": {"unix": null, "raw": null}, "server_tag": null
  })"));
}

TEST(GoldenTest, AnimatedAvatarIsGif) {
  Harness h(244200618854580224);
  h.feed_fixture("sequences/disgord-startup-smooth-1/11_0_GUILD_CREATE.json");
  const json::value user = h.user(132668102922993664, 0);
  EXPECT_EQ(user.at("metadata").at("avatar_url"),
            "https://cdn.discordapp.com/avatars/132668102922993664/"
            "a_2b6be191a4c282f512a0c80ed70a9eab.gif");
  EXPECT_EQ(user.at("metadata").at("display_avatar_url"), user.at("metadata").at("avatar_url"));
}

TEST(GoldenTest, PublicFlagsIncludingBit50) {
  Harness h(kReactGuild);
  h.feed(R"({"t":"GUILD_MEMBER_ADD","op":0,"s":1,"d":{"guild_id":"1378135304107458560",
    "user":{"id":"290483761559240704","username":"Mahdi BM","discriminator":"0517",
            "avatar":"2df0a0198e00ba23bf2dc728c4db94d9","public_flags":1125899911036992}}})");
  EXPECT_EQ(h.user(290483761559240704, 0).at("metadata").at("flags"), json::parse(R"({
    "human_readable": ["HypeSquadOnlineHouse1", "ActiveDeveloper", "Collaborator"],
    "bitfield": 1125899911036992})"));
}

TEST(GoldenTest, InvisibleReadsOfflineAndMemberWithoutPresenceIsOffline) {
  Harness h(135197118292819968);
  h.feed_fixture("guild_create.discord4j.json");
  const json::value offline = json::parse(R"({"desktop": "offline", "mobile": "offline",
                                              "web": "offline", "spotify": null})");
  const json::value silent = h.user(136688960289112064, 0);  // listed, no presence entry
  EXPECT_EQ(silent.at("status"), "offline");
  EXPECT_EQ(silent.at("active_platforms"), offline);
  EXPECT_EQ(silent.at("metadata").at("display_avatar_url"),
            "https://cdn.discordapp.com/avatars/136688960289112064/"
            "ca29c1cb8e954da4f9fba04216362807.png");
  EXPECT_EQ(h.user(134127815531560960, 0).at("status"), "dnd");
  h.feed(R"({"t":"PRESENCE_UPDATE","op":0,"s":9,"d":{"user":{"id":"134127815531560960"},
    "guild_id":"135197118292819968","status":"invisible","client_status":{},
    "activities":[{"type":0,"name":"hidden","id":"x","created_at":1}]}})");
  const json::value hidden = h.user(134127815531560960, 0);
  EXPECT_EQ(hidden.at("status"), "offline");
  EXPECT_EQ(hidden.at("active_platforms"), offline);
  EXPECT_EQ(hidden.at("activities"), json::array());
}

TEST(GoldenTest, PartialPresenceUserMergesWithoutBlankingProfile) {
  Harness h(486833041486905345);
  h.feed_fixture("guild_create.spotify_presence.disgord.json");
  h.feed(R"({"t":"PRESENCE_UPDATE","op":0,"s":3,"d":{
    "user":{"id":"228846961774559232","global_name":"Anders \"the\" Dev"},
    "guild_id":"486833041486905345","status":"online","client_status":{"desktop":"online"},
    "activities":[]}})");
  const json::value metadata = h.user(228846961774559232, 0).at("metadata");
  EXPECT_EQ(metadata.at("username"), "Anders");
  EXPECT_EQ(metadata.at("discriminator"), "7237");
  EXPECT_EQ(metadata.at("global_name"), "Anders \"the\" Dev");
  EXPECT_EQ(metadata.at("avatar"), "e3b02f485e421a346513f1fddd747d65");
}

}  // namespace
}  // namespace lantern::discord
