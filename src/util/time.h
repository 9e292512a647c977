// Wall-clock helpers shared by every layer: Unix milliseconds and the ISO-8601
// spellings used by Discord (input) and by Lantern's API (output).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lantern {

// Milliseconds since the Unix epoch, from the system clock.
std::int64_t unix_now_ms();

// Formats `unix_ms` as "2021-05-03T00:00:00.000Z" (UTC, always milliseconds).
std::string format_iso8601_ms(std::int64_t unix_ms);

// Parses the timestamps Discord sends, e.g. "2015-04-26T06:26:56.936000+00:00",
// "2021-05-03T00:00:00Z" or "2021-05-03T00:00:00.000Z". Fractions of any length are
// accepted (truncated to milliseconds); an explicit offset is applied.
// Returns nullopt for anything that is not such a timestamp.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

// floor(ms / 1000), also for negative values (API.md: every `unix` is floor(ms/1000)).
constexpr std::int64_t floor_seconds(std::int64_t ms) {
  return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

// "mm:ss", or "h:mm:ss" from one hour on. Negative input is treated as zero.
std::string format_duration(std::int64_t seconds);

}  // namespace lantern
