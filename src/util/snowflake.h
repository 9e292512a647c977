// Discord ids ("snowflakes"): 64-bit unsigned integers that travel as decimal strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lantern {

using Snowflake = std::uint64_t;

// Discord's epoch, 2015-01-01T00:00:00.000Z, in Unix milliseconds.
inline constexpr std::int64_t kDiscordEpochMs = 1420070400000;

// The strict rule of Lantern's API: 17 to 20 decimal digits that fit in 64 bits.
// Used for every id a client sends us.
std::optional<Snowflake> parse_api_snowflake(std::string_view text);

// The lenient rule for ids Discord sends: any non-empty run of decimal digits that
// fits in 64 bits (fixtures and old payloads carry ids like "0" or short test ids).
std::optional<Snowflake> parse_wire_snowflake(std::string_view text);

inline std::string to_string(Snowflake id) { return std::to_string(id); }

// Unix milliseconds at which the id was minted.
constexpr std::int64_t snowflake_time_ms(Snowflake id) {
  return static_cast<std::int64_t>(id >> 22) + kDiscordEpochMs;
}

}  // namespace lantern
