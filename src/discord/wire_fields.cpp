#include "discord/wire_fields.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "util/time.h"

namespace lantern::discord::wire {
namespace {

template <typename Int>
std::optional<Int> parse_integer(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.front() == '+') text.remove_prefix(1);
  Int value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A double converts only when it is finite and inside the target range; the
// bounds are the largest doubles below 2^63 / 2^64 so the cast never overflows.
std::optional<std::int64_t> from_double(double d) {
  if (!std::isfinite(d) || d < -9.2233720368547748e18 || d >= 9.2233720368547758e18) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(d);
}

std::optional<std::uint64_t> to_uint(const boost::json::value& value) {
  if (const auto* u = value.if_uint64()) return *u;
  if (const auto* i = value.if_int64()) {
    if (*i < 0) return std::nullopt;
    return static_cast<std::uint64_t>(*i);
  }
  if (const auto* d = value.if_double()) {
    if (!std::isfinite(*d) || *d < 0 || *d >= 1.8446744073709552e19) return std::nullopt;
    return static_cast<std::uint64_t>(*d);
  }
  if (const auto* s = value.if_string()) return parse_integer<std::uint64_t>(*s);
  return std::nullopt;
}

}  // namespace

const boost::json::object* object_field(const boost::json::object& obj, std::string_view key) {
  const boost::json::value* value = obj.if_contains(key);
  return value ? value->if_object() : nullptr;
}

const boost::json::array* array_field(const boost::json::object& obj, std::string_view key) {
  const boost::json::value* value = obj.if_contains(key);
  return value ? value->if_array() : nullptr;
}

std::optional<std::string_view> string_field(const boost::json::object& obj, std::string_view key) {
  const boost::json::value* value = obj.if_contains(key);
  if (!value) return std::nullopt;
  const boost::json::string* text = value->if_string();
  if (!text) return std::nullopt;
  return std::string_view(*text);
}

std::optional<std::string> owned_string_field(const boost::json::object& obj,
                                              std::string_view key) {
  const auto text = string_field(obj, key);
  if (!text) return std::nullopt;
  return std::string(*text);
}

std::optional<std::optional<std::string>> nullable_string_field(const boost::json::object& obj,
                                                                std::string_view key) {
  const boost::json::value* value = obj.if_contains(key);
  if (!value) return std::nullopt;
  if (value->is_null()) return std::optional<std::string>();
  const boost::json::string* text = value->if_string();
  if (!text) return std::nullopt;
  return std::optional<std::string>(std::string(*text));
}

std::optional<bool> bool_field(const boost::json::object& obj, std::string_view key) {
  const boost::json::value* value = obj.if_contains(key);
  if (!value) return std::nullopt;
  const bool* flag = value->if_bool();
  if (!flag) return std::nullopt;
  return *flag;
}

std::optional<std::int64_t> to_int(const boost::json::value& value) {
  if (const auto* i = value.if_int64()) return *i;
  if (const auto* u = value.if_uint64()) {
    if (*u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(*u);
  }
  if (const auto* d = value.if_double()) return from_double(*d);
  if (const auto* s = value.if_string()) return parse_integer<std::int64_t>(*s);
  return std::nullopt;
}

std::optional<std::int64_t> int_field(const boost::json::object& obj, std::string_view key) {
  const boost::json::value* value = obj.if_contains(key);
  if (!value) return std::nullopt;
  return to_int(*value);
}

std::optional<std::uint64_t> uint_field(const boost::json::object& obj, std::string_view key) {
  const boost::json::value* value = obj.if_contains(key);
  if (!value) return std::nullopt;
  return to_uint(*value);
}

std::optional<Snowflake> snowflake_field(const boost::json::object& obj, std::string_view key) {
  const boost::json::value* value = obj.if_contains(key);
  if (!value) return std::nullopt;
  if (const auto* text = value->if_string()) return parse_wire_snowflake(*text);
  if (value->is_int64() || value->is_uint64()) return to_uint(*value);
  return std::nullopt;
}

std::optional<std::int64_t> time_field(const boost::json::object& obj, std::string_view key) {
  const auto text = string_field(obj, key);
  if (!text) return std::nullopt;
  return parse_iso8601_ms(*text);
}

}  // namespace lantern::discord::wire
