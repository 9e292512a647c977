#include "bot/interaction.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <string_view>

namespace lantern::bot {
namespace json = boost::json;

namespace {

constexpr std::int64_t kOptionSubcommand = 1;
constexpr std::int64_t kOptionSubcommandGroup = 2;

const json::object* object_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

std::string string_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

Snowflake id_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_string()) return 0;
  return parse_wire_snowflake(v->as_string()).value_or(0);
}

std::optional<InteractionType> type_of(const json::object& d) {
  const json::value* v = d.if_contains("type");
  if (!v || !v->is_int64()) return std::nullopt;
  const std::int64_t t = v->as_int64();
  if (t < 1 || t > 5) return std::nullopt;
  return static_cast<InteractionType>(t);
}

// A guild interaction carries `member.user`, a DM one `user`.
void read_user(const json::object& d, Interaction& out) {
  if (const json::object* member = object_at(d, "member")) {
    if (const json::object* user = object_at(*member, "user")) out.user_id = id_at(*user, "id");
  } else if (const json::object* user = object_at(d, "user")) {
    out.user_id = id_at(*user, "id");
  }
  out.in_guild = d.contains("guild_id") || d.contains("member");
}

std::string option_text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  return json::serialize(v);
}

// Walks command -> group -> subcommand, appending names, then reads the leaf's
// parameters.
void read_options(const json::object& node, Interaction& out) {
  const json::value* options = node.if_contains("options");
  if (!options || !options->is_array()) return;
  for (const json::value& item : options->as_array()) {
    if (!item.is_object()) continue;
    const json::object& option = item.as_object();
    const std::string name = string_at(option, "name");
    const json::value* type = option.if_contains("type");
    const bool nested =
        type && type->is_int64() &&
        (type->as_int64() == kOptionSubcommand || type->as_int64() == kOptionSubcommandGroup);
    if (nested) {
      out.command += ' ' + name;
      return read_options(option, out);
    }
    if (const json::value* value = option.if_contains("value")) {
      out.options[name] = option_text(*value);
    }
    if (const json::value* focused = option.if_contains("focused");
        focused && focused->is_bool() && focused->as_bool()) {
      out.focused = name;
    }
  }
}

}  // namespace

const std::string* Interaction::option(std::string_view name) const {
  auto it = options.find(name);
  return it == options.end() ? nullptr : &it->second;
}

std::optional<Interaction> parse_interaction(const json::object& d) {
  const auto type = type_of(d);
  if (!type) return std::nullopt;
  Interaction out;
  out.type = *type;
  out.id = id_at(d, "id");
  out.token = string_at(d, "token");
  read_user(d, out);
  if (out.id == 0 || out.token.empty() || out.user_id == 0) return std::nullopt;
  if (const json::object* data = object_at(d, "data")) {
    out.command = string_at(*data, "name");
    out.custom_id = string_at(*data, "custom_id");
    read_options(*data, out);
  }
  return out;
}

}  // namespace lantern::bot
