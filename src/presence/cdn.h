// Discord CDN and media URLs for the images a user data object links to
// (discord-protocol.md section 4). Pure functions, no I/O; the card renderer
// uses the same functions so both outputs always agree.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "presence/model.h"

namespace lantern::presence {

// https://cdn.discordapp.com/avatars/<id>/<hash>.png (.gif for "a_" hashes), or
// nullopt when the user has no avatar.
std::optional<std::string> avatar_url(const User& user);

// Index 0..5 of the default avatar: (id >> 22) % 6 for discriminator "0" (and
// "0000", as discord.js does), discriminator % 5 for legacy discriminators. An
// unparsable discriminator is treated like "0".
int default_avatar_index(const User& user);

// avatar_url() when set, else https://cdn.discordapp.com/embed/avatars/<n>.png.
std::string display_avatar_url(const User& user);

// https://cdn.discordapp.com/emojis/<id>.png (.gif when animated), or nullopt
// for a unicode emoji (no id).
std::optional<std::string> emoji_url(const ActivityEmoji& emoji);

// Resolves an activity asset image string (API.md section 1, discord-protocol.md
// section 4.3): "spotify:", "mp:", "youtube:", "twitch:" prefixes and plain
// application asset ids (which need `application_id`). Anything else, an empty
// remainder, or characters that could escape the URL path, yields nullopt.
std::optional<std::string> asset_image_url(std::string_view image,
                                           const std::optional<std::string>& application_id);

// https://cdn.discordapp.com/guild-tag-badges/<guild>/<badge>.png, or nullopt
// when the tag has no badge.
std::optional<std::string> server_tag_icon_url(const ServerTag& tag);

}  // namespace lantern::presence
