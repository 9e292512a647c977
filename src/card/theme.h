// Card colours, one Theme per theme name. The defaults follow Discord's own dark and
// light palettes; app/ overrides them from `[user_svg_card.colors.dark|light]` (the
// config key of every field is in docs/card.md and in the comment beside it).
//
// Colours are written into the SVG verbatim, so they must be validated before they reach
// a Theme: is_valid_color() is the check app/ applies to configured values.
#pragma once

#include <string>
#include <string_view>

#include "card/options.h"

namespace lantern::card {

struct Theme {
  std::string background;        // background
  std::string border;            // border: 1 px outline of the card
  std::string text;              // text: names, activity name, no-activity title
  std::string secondary_text;    // secondary_text: @username, details, times, last seen
  std::string separator;         // separator: line between profile and activity
  std::string status_online;     // status_online
  std::string status_idle;       // status_idle
  std::string status_dnd;        // status_dnd
  std::string status_offline;    // status_offline
  std::string tag_background;    // tag_background: server tag pill
  std::string tag_text;          // tag_text
  std::string progress_track;    // progress_track: Spotify bar, unplayed part
  std::string progress_fill;     // progress_fill: Spotify bar, played part
  std::string image_background;  // image_background: ring behind the status dot / small image

  bool operator==(const Theme&) const = default;
};

Theme default_dark_theme();
Theme default_light_theme();

// Both themes of a server; `get` picks the one CardOptions ask for.
struct Themes {
  Theme dark = default_dark_theme();
  Theme light = default_light_theme();

  const Theme& get(ThemeName name) const { return name == ThemeName::kLight ? light : dark; }
};

// True for "#rgb", "#rrggbb" and "#rrggbbaa" (hex digits of either case): the colour forms
// every SVG renderer understands and that cannot break out of an attribute.
bool is_valid_color(std::string_view color);

}  // namespace lantern::card
