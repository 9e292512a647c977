#include "bot/commands.h"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <utility>

#include "discord/rest_client.h"

namespace lantern::bot {
namespace json = boost::json;

namespace {

// Option types of discord-protocol.md 7.7.
constexpr int kSubcommand = 1;
constexpr int kSubcommandGroup = 2;
constexpr int kString = 3;

json::object key_option(bool autocomplete) {
  json::object o{{"type", kString},
                 {"name", "key"},
                 {"description", "Key name: 1-255 characters of a-z, A-Z and 0-9"},
                 {"required", true},
                 {"min_length", 1},
                 {"max_length", 255}};
  if (autocomplete) o["autocomplete"] = true;
  return o;
}

json::object value_option() {
  return {{"type", kString},
          {"name", "value"},
          {"description", "The value to store"},
          {"required", true},
          {"max_length", kMaxOptionValueLength}};
}

json::object subcommand(const char* name, const char* description, json::array options = {}) {
  json::object o{{"type", kSubcommand}, {"name", name}, {"description", description}};
  if (!options.empty()) o["options"] = std::move(options);
  return o;
}

json::object group(const char* name, const char* description, json::array subcommands) {
  return {{"type", kSubcommandGroup},
          {"name", name},
          {"description", description},
          {"options", std::move(subcommands)}};
}

json::object chat_command(const char* name, const char* description, json::array options = {}) {
  json::object o{{"type", 1},
                 {"name", name},
                 {"description", description},
                 {"contexts", json::array{0, 1}},
                 {"integration_types", json::array{0}},
                 {"default_member_permissions", nullptr}};
  if (!options.empty()) o["options"] = std::move(options);
  return o;
}

json::object storage_command() {
  json::array groups{
      group("create", "Create your token or a key",
            {subcommand("token", "Create your API token (replaces the previous one)"),
             subcommand("data", "Create or overwrite a key", {key_option(false), value_option()})}),
      group("get", "Show your token or a value",
            {subcommand("token", "Show your API token again"),
             subcommand("data", "Show the value of a key", {key_option(true)})}),
      group("update", "Change an existing key",
            {subcommand("data", "Change the value of an existing key",
                        {key_option(true), value_option()})}),
      group("delete", "Delete a key", {subcommand("data", "Delete a key", {key_option(true)})}),
      subcommand("list", "Show every key and value you stored"),
      subcommand("reset", "Delete your token and every key (asks for confirmation)"),
  };
  return chat_command(kStorageCommand, "Manage your Lantern key-value storage", std::move(groups));
}

std::string commands_path(Snowflake application_id) {
  return "/applications/" + to_string(application_id) + "/commands";
}

void overwrite(discord::RestClient& rest, Snowflake application_id, json::array commands,
               CommandsCallback done) {
  discord::RestRequest request;
  request.method = "PUT";
  request.path = commands_path(application_id);
  request.json_body = json::serialize(commands);
  rest.request(std::move(request), [done = std::move(done)](discord::RestResult result) {
    CommandsResult out;
    if (!result.ok()) {
      out.error = "Publishing the commands failed: " + result.error;
      return done(std::move(out));
    }
    std::error_code ec;
    const json::value answer = json::parse(result.body, ec);
    if (ec || !answer.is_array()) {
      out.error = "Discord answered the command overwrite with something other than an array.";
      return done(std::move(out));
    }
    out.ok = true;
    out.count = answer.as_array().size();
    done(std::move(out));
  });
}

}  // namespace

json::array command_definitions() {
  return {chat_command(kPingCommand, "Show the bot's gateway latency"), storage_command()};
}

void register_commands(discord::RestClient& rest, Snowflake application_id, CommandsCallback done) {
  overwrite(rest, application_id, command_definitions(), std::move(done));
}

void unregister_commands(discord::RestClient& rest, Snowflake application_id,
                         CommandsCallback done) {
  overwrite(rest, application_id, json::array{}, std::move(done));
}

void discover_application_id(discord::RestClient& rest,
                             std::function<void(ApplicationIdResult)> done) {
  discord::RestRequest request;
  request.path = "/oauth2/applications/@me";
  rest.request(std::move(request), [done = std::move(done)](discord::RestResult result) {
    ApplicationIdResult out;
    if (!result.ok()) {
      out.error = "Reading the application failed: " + result.error;
      return done(std::move(out));
    }
    std::error_code ec;
    const json::value answer = json::parse(result.body, ec);
    const json::value* id =
        !ec && answer.is_object() ? answer.as_object().if_contains("id") : nullptr;
    if (id && id->is_string())
      out.application_id = parse_wire_snowflake(id->as_string()).value_or(0);
    if (out.application_id == 0) out.error = "Discord's application object has no usable id.";
    done(std::move(out));
  });
}

void publish_commands(discord::RestClient& rest, Snowflake application_id, bool remove,
                      CommandsCallback done) {
  auto publish = [&rest, remove, done](Snowflake id) mutable {
    if (remove) return unregister_commands(rest, id, std::move(done));
    register_commands(rest, id, std::move(done));
  };
  if (application_id != 0) return publish(application_id);
  discover_application_id(rest, [publish, done](ApplicationIdResult found) mutable {
    if (found.application_id == 0) return done(CommandsResult{false, 0, found.error});
    publish(found.application_id);
  });
}

}  // namespace lantern::bot
