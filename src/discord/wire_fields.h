// Lenient readers for fields of Discord's JSON (Boost.JSON values).
//
// Discord does not validate the types of what it relays (protocol 2.4): a field
// may be absent, null, or of an unexpected type. Every reader here answers
// "absent" (std::nullopt) for a wrong type instead of failing, and none throws.
// Nullable fields come back as optional<optional<T>>: outer empty = absent or
// unusable, inner empty = Discord's explicit null.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/snowflake.h"

namespace lantern::discord::wire {

// The object stored under `key`, or null when absent or not an object.
const boost::json::object* object_field(const boost::json::object& obj, std::string_view key);
const boost::json::array* array_field(const boost::json::object& obj, std::string_view key);

// A string (null and other types: absent). The view points into `obj`.
std::optional<std::string_view> string_field(const boost::json::object& obj, std::string_view key);
std::optional<std::string> owned_string_field(const boost::json::object& obj, std::string_view key);
std::optional<std::optional<std::string>> nullable_string_field(const boost::json::object& obj,
                                                                std::string_view key);

std::optional<bool> bool_field(const boost::json::object& obj, std::string_view key);

// An integer from a JSON integer, an integral-range double, or a string of
// decimal digits (optionally signed). Values outside int64 are absent.
std::optional<std::int64_t> int_field(const boost::json::object& obj, std::string_view key);
std::optional<std::int64_t> to_int(const boost::json::value& value);

// A non-negative integer up to 2^64-1 (user flags), same sources as int_field.
std::optional<std::uint64_t> uint_field(const boost::json::object& obj, std::string_view key);

// A snowflake: a string of decimal digits that fits in 64 bits (parse_wire_snowflake),
// or a non-negative JSON integer (ids we sent malformed can come back as numbers).
std::optional<Snowflake> snowflake_field(const boost::json::object& obj, std::string_view key);

// An ISO-8601 timestamp string (parse_iso8601_ms), in Unix milliseconds.
std::optional<std::int64_t> time_field(const boost::json::object& obj, std::string_view key);

}  // namespace lantern::discord::wire
