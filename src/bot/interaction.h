// Reading an INTERACTION_CREATE `d` object (discord-protocol.md 7.1-7.4) into the
// few facts the bot acts on. Pure functions, callable from any thread.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/snowflake.h"

namespace lantern::bot {

enum class InteractionType : std::uint8_t {
  kPing = 1,
  kCommand = 2,
  kComponent = 3,
  kAutocomplete = 4,
  kModalSubmit = 5,
};

struct Interaction {
  Snowflake id = 0;
  std::string token;  // secret for 15 minutes: never log it
  InteractionType type = InteractionType::kPing;
  Snowflake user_id = 0;  // member.user.id in a guild, user.id in a DM
  bool in_guild = false;  // replies are ephemeral in guilds

  // Commands and autocomplete: the invoked path, names joined by spaces
  // ("ping", "storage create data", "storage list"), and the leaf's parameters
  // (string, integer and boolean values as text).
  std::string command;
  std::map<std::string, std::string, std::less<>> options;
  // Autocomplete: the parameter being typed (its partial value is in `options`).
  std::string focused;

  // Components: the button's custom_id.
  std::string custom_id;

  const std::string* option(std::string_view name) const;
};

// nullopt when the object lacks what any answer needs: a numeric id, a token, a
// known type, and an invoking user.
std::optional<Interaction> parse_interaction(const boost::json::object& d);

}  // namespace lantern::bot
