// Card options: the query parameters of `GET /api/v1/users/{id}?svg=1` (API.md section 4),
// validated into a value the renderer trusts.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace lantern::card {

enum class ThemeName { kDark, kLight };

struct CardOptions {
  ThemeName theme = ThemeName::kDark;
  double border_radius_rem = 2.0;  // 0..10; one rem is 16 px on the card
  bool hide_global_name = false;
  bool hide_status = false;
  bool hide_badges = false;
  bool hide_activity = false;
  bool hide_last_seen = false;
  bool hide_server_tag = false;
  std::string no_activity_title = "No Activity";
  std::string no_activity_message = "User is not currently doing anything.";

  bool operator==(const CardOptions&) const = default;
};

// Either the options or the 400 sentence, e.g. "theme must be dark or light.".
struct CardOptionsResult {
  std::variant<CardOptions, std::string> value;

  bool ok() const { return value.index() == 0; }
  const CardOptions& options() const { return std::get<0>(value); }
  const std::string& error() const { return std::get<1>(value); }
};

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Validates the card options among `params` (keys and values already URL-decoded).
// Keys the card does not know (`svg` itself, cache busters) are ignored; option names
// are case-sensitive as in API.md. When an option is repeated the last value wins.
// Pure function; callable from any thread.
CardOptionsResult parse_card_options(const QueryParams& params);

// Number of Unicode code points in UTF-8 `text` (bytes that do not start a sequence are
// not counted). Used for the length limits of the no-activity texts.
std::size_t count_code_points(std::string_view text);

}  // namespace lantern::card
