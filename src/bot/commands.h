// The bot's slash commands: their registration JSON (discord-protocol.md 7.7) and
// the REST calls that publish or remove them (`lantern commands register|unregister`).
//
// Commands are global (not per guild), usable in guilds and the bot's DMs
// (contexts [0, 1]) of guild installs (integration_types [0]). Publishing is a bulk
// overwrite (PUT /applications/{app}/commands): the set on Discord becomes exactly
// command_definitions(), so running it twice is harmless. It is not done at every
// start because global command creates count against a daily limit.
//
// Threading: the functions may be called from any thread; `done` runs on the REST
// client's strand (see discord/rest_client.h), exactly once.
#pragma once

#include <boost/json/array.hpp>
#include <cstddef>
#include <functional>
#include <string>

#include "util/snowflake.h"

namespace lantern::discord {
class RestClient;
}

namespace lantern::bot {

// Names of what the bot registers, shared with the dispatcher in bot.cpp.
inline constexpr const char* kPingCommand = "ping";
inline constexpr const char* kStorageCommand = "storage";

// Discord caps STRING option input at 6,000 characters, so longer values (the API
// allows 30,000) can only be written through REST.
inline constexpr std::size_t kMaxOptionValueLength = 6000;

// The full set: /ping and /storage with its groups create|get|update|delete and
// subcommands list|reset. A fresh array on every call.
boost::json::array command_definitions();

struct CommandsResult {
  bool ok = false;
  std::size_t count = 0;  // commands Discord holds afterwards (ok only)
  std::string error;      // one sentence when !ok (never contains the bot token)
};

using CommandsCallback = std::function<void(CommandsResult)>;

// PUT /applications/{application_id}/commands with command_definitions().
void register_commands(discord::RestClient& rest, Snowflake application_id, CommandsCallback done);

// PUT /applications/{application_id}/commands with [] (removes every global command).
void unregister_commands(discord::RestClient& rest, Snowflake application_id,
                         CommandsCallback done);

struct ApplicationIdResult {
  Snowflake application_id = 0;  // 0 on failure
  std::string error;             // one sentence when application_id is 0
};

// GET /oauth2/applications/@me: the application the bot token belongs to, for
// when the configuration does not name it.
void discover_application_id(discord::RestClient& rest,
                             std::function<void(ApplicationIdResult)> done);

// The CLI's whole job: discovers the application id when `application_id` is 0,
// then registers (remove = false) or unregisters (remove = true).
void publish_commands(discord::RestClient& rest, Snowflake application_id, bool remove,
                      CommandsCallback done);

}  // namespace lantern::bot
