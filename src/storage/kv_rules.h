// The key-value rules of API.md section 2, shared by every door into storage
// (REST, socket, bot, import) so that they cannot drift apart.
//
// Validators return the exact error sentence a client is shown (as a string_view
// into static storage), or nullopt when the input is acceptable. Pure functions,
// callable from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace lantern::storage {

inline constexpr std::size_t kMaxKeyLength = 255;
inline constexpr std::size_t kMaxValueCodePoints = 30000;
inline constexpr std::size_t kMaxPairsPerUser = 512;

// Error sentences, verbatim from API.md section 2.
inline constexpr std::string_view kErrorBadKey =
    "key must be 1-255 characters of a-z, A-Z and 0-9.";
inline constexpr std::string_view kErrorValueRequired = "value is required and must be a string.";
inline constexpr std::string_view kErrorValueTooLong = "value must be at most 30000 characters.";
inline constexpr std::string_view kErrorStorageFull = "Storage is full: at most 512 keys per user.";

// Keys: 1-255 characters, each of a-z, A-Z, 0-9.
std::optional<std::string_view> validate_key(std::string_view key);

// Values: valid UTF-8 of at most 30,000 code points; "" is allowed. A value that is
// not valid UTF-8 is not a string in the API's sense and gets kErrorValueRequired.
std::optional<std::string_view> validate_value(std::string_view value);

// Number of code points in `text`, or nullopt when it is not valid UTF-8
// (overlong forms, surrogates, code points above U+10FFFF and truncated sequences
// are invalid, as in RFC 3629).
std::optional<std::size_t> utf8_code_points(std::string_view text);

}  // namespace lantern::storage
