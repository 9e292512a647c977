// Sample members, presences and images shared by the card tests and the benchmark.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "card/render.h"
#include "presence/model.h"

namespace lantern::card::testing {

// 2025-11-29T00:00:00.000Z: the "now" of every golden card.
inline constexpr std::int64_t kNowMs = 1764374400000;

// A w x h PNG of one colour (a real, decodable file).
std::string solid_png(int width, int height, std::uint8_t r, std::uint8_t g, std::uint8_t b);

struct Sample {
  presence::Member member;
  presence::Presence presence;
  std::optional<std::int64_t> last_seen_ms;
};

// An online member with global name, badges, a server tag and a game with both images.
Sample playing_sample();
// Listening to Spotify, halfway through a track.
Sample spotify_sample();
// Offline since 5 minutes, no global name.
Sample offline_sample();
// Idle with only a custom status (so the card shows "No Activity").
Sample idle_custom_status_sample();

// Distinct solid-colour images for every slot the sample uses (absent slots stay nullopt).
CardImages sample_images(const Sample& sample);

}  // namespace lantern::card::testing
