// Which images a card needs and where they live.
//
// The URLs themselves come from presence/cdn.h, with hosts that tests and the simulator
// point at loopback; production uses Discord's. Pure functions; callable from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "card/options.h"
#include "presence/cdn.h"
#include "presence/model.h"

namespace lantern::card {

// Image hosts (presence/cdn.h builds every URL, for the JSON and the card alike).
using CdnBases = presence::CdnBases;

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

}  // namespace lantern::card
