// Which images a card needs and where they live.
//
// The bases are configurable so that tests and the simulator can play Discord's CDN on
// loopback; production uses the defaults. Pure functions; callable from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "card/options.h"
#include "presence/model.h"

namespace lantern::card {

struct CdnBases {
  std::string cdn = "https://cdn.discordapp.com";
  std::string media_proxy = "https://media.discordapp.net";
  std::string spotify = "https://i.scdn.co/image";
  std::string youtube = "https://i.ytimg.com/vi";
  std::string twitch = "https://static-cdn.jtvnw.net/previews-ttv";
};

// The activity the card shows: the first one that is not a custom status, or null.
const presence::Activity* shown_activity(const presence::Presence& presence);

// The four image slots of a card. An absent URL means the card draws nothing there.
struct CardImageUrls {
  std::string avatar;  // always set: the user's avatar or their default avatar
  std::optional<std::string> large_image;
  std::optional<std::string> small_image;
  std::optional<std::string> tag_badge;
};

// The URLs the card for this member needs under `options` (hidden parts need nothing).
// Avatars are requested as static 128 px PNGs (animated ones too: the card is a still).
CardImageUrls card_image_urls(const presence::Member& member, const presence::Presence& presence,
                              const CardOptions& options, const CdnBases& bases);

// Resolves an activity asset string (discord-protocol.md section 4.3). Returns nullopt for
// unknown prefixes, for a plain asset id without `application_id`, and for strings with
// characters that do not belong in a URL path (asset strings are untrusted).
std::optional<std::string> resolve_asset_url(std::string_view asset,
                                             const std::optional<std::string>& application_id,
                                             const CdnBases& bases);

}  // namespace lantern::card
