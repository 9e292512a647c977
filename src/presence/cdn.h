// Discord CDN and media URLs for the images a user data object links to
// (discord-protocol.md section 4). Pure functions, no I/O, callable from any
// thread. The JSON renderer and the SVG card both build their URLs here, so the
// two outputs always agree on which image a member shows.
//
// Everything that becomes part of a URL path comes from Discord payloads, i.e.
// from users: hashes, asset keys and media paths with characters that could
// leave the path (`?`, `#`, `\`, quotes, spaces, `..`) resolve to no URL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "presence/model.h"

namespace lantern::presence {

// Where the images live, without a trailing slash. The defaults are the real
// hosts; tests and the simulator point them at loopback.
struct CdnBases {
  std::string cdn = "https://cdn.discordapp.com";
  std::string media_proxy = "https://media.discordapp.net";
  std::string spotify = "https://i.scdn.co/image";
  std::string youtube = "https://i.ytimg.com/vi";
  std::string twitch = "https://static-cdn.jtvnw.net/previews-ttv";
};

// The real hosts (an immutable instance built on first use).
const CdnBases& discord_cdn();

// <cdn>/avatars/<id>/<hash>.png (.gif for "a_" hashes), or nullopt when the
// user has no (usable) avatar hash.
std::optional<std::string> avatar_url(const User& user, const CdnBases& bases = discord_cdn());

// Index 0..5 of the default avatar: (id >> 22) % 6 for discriminator "0" (and
// "0000", as discord.js does), discriminator % 5 for legacy discriminators. An
// unparsable discriminator is treated like "0".
int default_avatar_index(const User& user);

// <cdn>/embed/avatars/<n>.png.
std::string default_avatar_url(const User& user, const CdnBases& bases = discord_cdn());

// avatar_url() when set, else default_avatar_url().
std::string display_avatar_url(const User& user, const CdnBases& bases = discord_cdn());

// A still PNG of `size` pixels of the user's avatar (animated ones too, for
// pictures that cannot move), else the default avatar.
std::string still_avatar_url(const User& user, int size, const CdnBases& bases);

// <cdn>/emojis/<id>.png (.gif when animated), or nullopt for a unicode emoji (no id).
std::optional<std::string> emoji_url(const ActivityEmoji& emoji,
                                     const CdnBases& bases = discord_cdn());

// Resolves an activity asset image string (API.md section 1, discord-protocol.md
// section 4.3): "spotify:", "mp:", "youtube:", "twitch:" prefixes and plain
// application asset ids (which need a numeric `application_id`). Unknown
// prefixes, an empty remainder and unsafe characters yield nullopt.
std::optional<std::string> asset_image_url(std::string_view image,
                                           const std::optional<std::string>& application_id,
                                           const CdnBases& bases = discord_cdn());

// <cdn>/guild-tag-badges/<guild>/<badge>.png, or nullopt when the tag has no
// (usable) badge.
std::optional<std::string> server_tag_icon_url(const ServerTag& tag,
                                               const CdnBases& bases = discord_cdn());

}  // namespace lantern::presence
