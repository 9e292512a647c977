#include "card/options.h"

#include <charconv>
#include <cmath>
#include <optional>

namespace lantern::card {
namespace {

std::optional<bool> parse_flag(std::string_view value) {
  if (value == "1" || value == "true") return true;
  if (value == "0" || value == "false") return false;
  return std::nullopt;
}

// A plain decimal number: digits with an optional fraction ("2", "0.5", "10.0").
// Exponents, signs, "inf" and "nan" are refused so that the accepted set is easy to state.
std::optional<double> parse_number(std::string_view value) {
  if (value.empty() || value.size() > 16) return std::nullopt;
  for (char c : value) {
    if ((c < '0' || c > '9') && c != '.') return std::nullopt;
  }
  double out = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || end != value.data() + value.size() || !std::isfinite(out)) {
    return std::nullopt;
  }
  return out;
}

bool* flag_field(CardOptions& options, std::string_view key) {
  if (key == "hideGlobalName") return &options.hide_global_name;
  if (key == "hideStatus") return &options.hide_status;
  if (key == "hideBadges") return &options.hide_badges;
  if (key == "hideActivity") return &options.hide_activity;
  if (key == "hideLastSeen") return &options.hide_last_seen;
  if (key == "hideServerTag") return &options.hide_server_tag;
  return nullptr;
}

// Applies one parameter; returns the error sentence when its value is invalid.
std::optional<std::string> apply(CardOptions& options, std::string_view key,
                                 const std::string& value) {
  if (key == "theme") {
    if (value == "dark") {
      options.theme = ThemeName::kDark;
    } else if (value == "light") {
      options.theme = ThemeName::kLight;
    } else {
      return "theme must be dark or light.";
    }
  } else if (key == "borderRadius") {
    auto rem = parse_number(value);
    if (!rem || *rem > 10.0) return "borderRadius must be a number from 0 to 10.";
    options.border_radius_rem = *rem;
  } else if (bool* field = flag_field(options, key)) {
    auto flag = parse_flag(value);
    if (!flag) return std::string(key) + " must be 0, 1, true or false.";
    *field = *flag;
  } else if (key == "noActivityTitle") {
    std::size_t n = count_code_points(value);
    if (n < 1 || n > 64) return "noActivityTitle must be 1-64 characters.";
    options.no_activity_title = value;
  } else if (key == "noActivityMessage") {
    std::size_t n = count_code_points(value);
    if (n < 1 || n > 256) return "noActivityMessage must be 1-256 characters.";
    options.no_activity_message = value;
  }
  return std::nullopt;
}

}  // namespace

std::size_t count_code_points(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

CardOptionsResult parse_card_options(const QueryParams& params) {
  CardOptions options;
  for (const auto& [key, value] : params) {
    if (auto error = apply(options, key, value)) return {std::move(*error)};
  }
  return {std::move(options)};
}

}  // namespace lantern::card
