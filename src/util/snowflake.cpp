#include "util/snowflake.h"

#include <charconv>

namespace lantern {

std::optional<Snowflake> parse_wire_snowflake(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  Snowflake value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<Snowflake> parse_api_snowflake(std::string_view text) {
  if (text.size() < 17 || text.size() > 20) return std::nullopt;
  return parse_wire_snowflake(text);
}

}  // namespace lantern
