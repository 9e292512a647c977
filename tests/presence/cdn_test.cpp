#include "presence/cdn.h"

#include <gtest/gtest.h>

namespace lantern::presence {
namespace {

User user_with(Snowflake id, std::string discriminator, std::optional<std::string> avatar) {
  User user;
  user.id = id;
  user.discriminator = std::move(discriminator);
  user.avatar = std::move(avatar);
  return user;
}

TEST(AvatarUrlTest, StaticHashIsPngAnimatedIsGif) {
  EXPECT_EQ(avatar_url(user_with(228846961774559232, "7237", "e3b02f485e421a346513f1fddd747d65")),
            "https://cdn.discordapp.com/avatars/228846961774559232/"
            "e3b02f485e421a346513f1fddd747d65.png");
  EXPECT_EQ(avatar_url(user_with(132668102922993664, "0001", "a_2b6be191a4c282f512a0c80ed70a9eab")),
            "https://cdn.discordapp.com/avatars/132668102922993664/"
            "a_2b6be191a4c282f512a0c80ed70a9eab.gif");
  EXPECT_EQ(avatar_url(user_with(1, "0", std::nullopt)), std::nullopt);
}

TEST(DefaultAvatarTest, NewUsernamesUseTheIdShiftedBy22Mod6) {
  // (366321739787010059 >> 22) = 87337908694, % 6 = 4
  const User user = user_with(366321739787010059, "0", std::nullopt);
  EXPECT_EQ(default_avatar_index(user), 4);
  EXPECT_EQ(display_avatar_url(user), "https://cdn.discordapp.com/embed/avatars/4.png");
  // (900000000000000018 >> 22) = 214576721191, % 6 = 1
  EXPECT_EQ(default_avatar_index(user_with(900000000000000018, "0", std::nullopt)), 1);
  EXPECT_EQ(default_avatar_index(user_with(900000000000000018, "0000", std::nullopt)), 1);
}

TEST(DefaultAvatarTest, LegacyDiscriminatorsUseDiscriminatorMod5) {
  EXPECT_EQ(default_avatar_index(user_with(486832262592069632, "9338", std::nullopt)), 3);
  EXPECT_EQ(default_avatar_index(user_with(486832262592069632, "7281", std::nullopt)), 1);
  EXPECT_EQ(display_avatar_url(user_with(1030118727418646629, "0861", std::nullopt)),
            "https://cdn.discordapp.com/embed/avatars/1.png");
}

TEST(DefaultAvatarTest, DisplayAvatarPrefersTheRealAvatar) {
  EXPECT_EQ(display_avatar_url(user_with(5, "0", "abc")),
            "https://cdn.discordapp.com/avatars/5/abc.png");
}

TEST(EmojiUrlTest, CustomEmojiOnlyGifWhenAnimated) {
  EXPECT_EQ(emoji_url(ActivityEmoji{"eyesshaking", 662645652668547083, true}),
            "https://cdn.discordapp.com/emojis/662645652668547083.gif");
  EXPECT_EQ(emoji_url(ActivityEmoji{"palm", 444444444444444444, false}),
            "https://cdn.discordapp.com/emojis/444444444444444444.png");
  EXPECT_EQ(emoji_url(ActivityEmoji{"🔥", std::nullopt, false}), std::nullopt);
}

TEST(AssetUrlTest, ResolvesEveryKnownPrefix) {
  const std::optional<std::string> app = "383226320970055681";
  EXPECT_EQ(asset_image_url("spotify:ab67616d0000b27375bf186f00f7b0b88cf5c5b9", std::nullopt),
            "https://i.scdn.co/image/ab67616d0000b27375bf186f00f7b0b88cf5c5b9");
  EXPECT_EQ(asset_image_url("mp:external/abc/https/example.com/x.png", std::nullopt),
            "https://media.discordapp.net/external/abc/https/example.com/x.png");
  EXPECT_EQ(asset_image_url("youtube:dQw4w9WgXcQ", std::nullopt),
            "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault_live.jpg");
  EXPECT_EQ(asset_image_url("twitch:lantern", std::nullopt),
            "https://static-cdn.jtvnw.net/previews-ttv/live_user_lantern.png");
  EXPECT_EQ(asset_image_url("1359299128655347824", app),
            "https://cdn.discordapp.com/app-assets/383226320970055681/1359299128655347824.png");
}

TEST(AssetUrlTest, UnresolvableImagesAreNull) {
  EXPECT_EQ(asset_image_url("1359299128655347824", std::nullopt), std::nullopt);
  EXPECT_EQ(asset_image_url("unknown:thing", std::nullopt), std::nullopt);
  EXPECT_EQ(asset_image_url("spotify:", std::nullopt), std::nullopt);
  EXPECT_EQ(asset_image_url("", std::string("1")), std::nullopt);
  EXPECT_EQ(asset_image_url("../../etc", std::string("1")), std::nullopt);
  EXPECT_EQ(asset_image_url("123?x=1", std::string("1")), std::nullopt);
  EXPECT_EQ(asset_image_url("123", std::string("not-an-id")), std::nullopt);
}

TEST(AssetUrlTest, RefusesStringsThatWouldEscapeTheirHost) {
  for (const char* hostile : {"mp:../../x", "mp:a#b", "mp:a?b", "mp:a b", "mp:a\\b", "mp:\"x",
                              "spotify:", "mp:a<b", "youtube:a/../b?c"}) {
    EXPECT_EQ(asset_image_url(hostile, std::nullopt), std::nullopt) << hostile;
  }
}

TEST(AvatarUrlTest, HostileHashesFallBackToTheDefaultAvatar) {
  const User user = user_with(5, "0", "../../x?y");
  EXPECT_EQ(avatar_url(user), std::nullopt);
  EXPECT_EQ(display_avatar_url(user), default_avatar_url(user));
  EXPECT_EQ(still_avatar_url(user, 128, discord_cdn()), default_avatar_url(user));
}

TEST(CdnBasesTest, EveryUrlUsesTheConfiguredHosts) {
  CdnBases bases;
  bases.cdn = "http://127.0.0.1:1/cdn";
  bases.spotify = "http://127.0.0.1:1/spotify";
  const User user = user_with(228846961774559232, "0", "a_e3b0");
  EXPECT_EQ(avatar_url(user, bases),
            "http://127.0.0.1:1/cdn/avatars/228846961774559232/a_e3b0.gif");
  EXPECT_EQ(still_avatar_url(user, 128, bases),
            "http://127.0.0.1:1/cdn/avatars/228846961774559232/a_e3b0.png?size=128");
  EXPECT_EQ(asset_image_url("spotify:ab67", std::nullopt, bases),
            "http://127.0.0.1:1/spotify/ab67");
  EXPECT_EQ(server_tag_icon_url(ServerTag{1, "X", "b4d9e"}, bases),
            "http://127.0.0.1:1/cdn/guild-tag-badges/1/b4d9e.png");
}

TEST(ServerTagUrlTest, BadgeIsAPngUnderTheTagGuild) {
  EXPECT_EQ(server_tag_icon_url(
                ServerTag{1407192325943197706, "RESN", "681eca471aa735fe864068f9cc978760"}),
            "https://cdn.discordapp.com/guild-tag-badges/1407192325943197706/"
            "681eca471aa735fe864068f9cc978760.png");
  EXPECT_EQ(server_tag_icon_url(ServerTag{1, "X", std::nullopt}), std::nullopt);
}

}  // namespace
}  // namespace lantern::presence
