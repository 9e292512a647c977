// The SVG profile card (API.md section 4), rendered from a member's snapshot.
//
// Output is plain SVG 1.1: shapes, text, <image> with data: URIs and clip paths. No
// foreignObject, no scripts, no external references, no CSS, so it renders the same in a
// browser <img>, in GitHub's image proxy and in non-browser renderers (rsvg-convert).
// Rendering is a pure function of its arguments (time comes in as `now_ms`): the same
// input yields byte-identical output. Callable from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "card/options.h"
#include "card/theme.h"
#include "presence/model.h"

namespace lantern::card {

// A neutral grey square (PNG data URI) drawn where an image could not be fetched.
extern const char* const kPlaceholderDataUri;

// The images of one card as data URIs: "data:image/<png|jpeg|gif|webp>;base64,<base64>".
// The renderer writes them verbatim, so they must come from make_data_uri() (or be the
// placeholder). For the optional slots, nullopt means "draw nothing there" (the member
// has no such image); an empty string means "draw the placeholder". An empty avatar is
// drawn as the placeholder.
struct CardImages {
  std::string avatar;
  std::optional<std::string> large_image;
  std::optional<std::string> small_image;
  std::optional<std::string> tag_badge;
};

inline constexpr int kCardWidth = 460;

// Renders the card of `member` with `presence`; `last_seen_ms` is when the member went
// offline (nullopt while online or when unknown). `now_ms` fixes every relative time.
std::string render_card(const presence::Member& member, const presence::Presence& presence,
                        std::optional<std::int64_t> last_seen_ms, const CardOptions& options,
                        const Theme& theme, const CardImages& images, std::int64_t now_ms);

}  // namespace lantern::card
