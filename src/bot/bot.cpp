#include "bot/bot.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <utility>

#include "bot/commands.h"
#include "bot/interaction.h"
#include "bot/reply.h"
#include "discord/rest_client.h"
#include "presence/store.h"
#include "storage/kv_rules.h"
#include "storage/service.h"

namespace lantern::bot {
namespace json = boost::json;
using storage::Status;

namespace {

constexpr std::string_view kNeedToken = "You need a token first: run /storage create token.";
constexpr std::string_view kNotMonitored =
    "Only members of the server Lantern monitors can create a token. Join it, then try again.";
constexpr std::string_view kBusy = "Lantern is busy right now. Please try again in a moment.";
constexpr std::string_view kFailed =
    "Something went wrong on Lantern's side. Nothing was changed; please try again later.";
constexpr std::string_view kUnknownCommand = "This command is not known to this Lantern.";
constexpr std::string_view kNotYourButton =
    "Only the user who ran /storage reset can use these buttons.";
constexpr std::string_view kListFile = "kv-storage.json";
constexpr std::string_view kResetPrefix = "storage-reset:";

std::string code(std::string_view key) {
  return "`" + std::string(key) + "`";
}

std::string key_missing(std::string_view key) {
  return "Key " + std::string(key) + " does not exist in the storage.";
}

// The sentence for a storage outcome other than kOk, as REST words it.
std::string failure_text(Status status, std::string_view error, std::string_view key) {
  switch (status) {
    case Status::kNoStorage:
      return std::string(kNeedToken);
    case Status::kNotFound:
      return key_missing(key);
    case Status::kInvalid:
    case Status::kFull:
      return std::string(error);
    default:
      return std::string(kFailed);
  }
}

// The first rule the key (and, when given, the value) breaks.
std::optional<std::string_view> invalid_pair(const Interaction& in, bool with_value) {
  const std::string* key = in.option("key");
  if (auto error = storage::validate_key(key ? *key : std::string_view())) return error;
  if (!with_value) return std::nullopt;
  const std::string* value = in.option("value");
  if (!value) return storage::kErrorValueRequired;
  return storage::validate_value(*value);
}

std::string key_of(const Interaction& in) {
  const std::string* key = in.option("key");
  return key ? *key : std::string();
}

std::string value_of(const Interaction& in) {
  const std::string* value = in.option("value");
  return value ? *value : std::string();
}

std::string keys_phrase(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " key" : " keys");
}

json::array reset_buttons(Snowflake user_id) {
  json::object confirm{{"type", 2},
                       {"style", 4},
                       {"label", "Confirm"},
                       {"custom_id", reset_button_id(true, user_id)}};
  json::object cancel{{"type", 2},
                      {"style", 2},
                      {"label", "Cancel"},
                      {"custom_id", reset_button_id(false, user_id)}};
  return json::array{json::object{{"type", 1}, {"components", json::array{confirm, cancel}}}};
}

struct ResetButton {
  bool confirm = false;
  Snowflake user_id = 0;
};

std::optional<ResetButton> parse_reset_button(std::string_view custom_id) {
  if (!custom_id.starts_with(kResetPrefix)) return std::nullopt;
  custom_id.remove_prefix(kResetPrefix.size());
  ResetButton button;
  if (custom_id.starts_with("confirm:")) {
    button.confirm = true;
    custom_id.remove_prefix(8);
  } else if (custom_id.starts_with("cancel:")) {
    custom_id.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  button.user_id = parse_wire_snowflake(custom_id).value_or(0);
  if (button.user_id == 0) return std::nullopt;
  return button;
}

}  // namespace

std::string reset_button_id(bool confirm, Snowflake user_id) {
  return std::string(kResetPrefix) + (confirm ? "confirm:" : "cancel:") + to_string(user_id);
}

Bot::Bot(discord::RestClient& rest, storage::Service& storage, const presence::PresenceStore& store,
         LatencyFunction latency, BotOptions options)
    : rest_(rest),
      storage_(storage),
      store_(store),
      latency_(std::move(latency)),
      options_(std::move(options)) {}

void Bot::handle_interaction(const json::object& interaction) {
  const auto in = parse_interaction(interaction);
  if (!in) {
    spdlog::warn("bot: dropped an interaction without a usable id, token, type or user");
    return;
  }
  switch (in->type) {
    case InteractionType::kCommand:
      return on_command(*in);
    case InteractionType::kAutocomplete:
      return on_autocomplete(*in);
    case InteractionType::kComponent:
      return on_component(*in);
    default:
      spdlog::warn("bot: dropped interaction {} of unhandled type {}", in->id,
                   static_cast<int>(in->type));
  }
}

// ---- dispatch ---------------------------------------------------------------

void Bot::on_command(const Interaction& in) {
  if (in.command == kPingCommand) return ping(in);
  if (in.command.starts_with(std::string(kStorageCommand) + ' ')) return on_storage_command(in);
  spdlog::warn("bot: unknown command from user {}", in.user_id);
  say(in, kUnknownCommand);
}

void Bot::on_storage_command(const Interaction& in) {
  const std::string_view sub =
      std::string_view(in.command).substr(std::string_view(kStorageCommand).size() + 1);
  if (sub == "create token") return create_token(in);
  if (sub == "get token") return get_token(in);
  if (sub == "create data") return create_data(in);
  if (sub == "get data") return get_data(in);
  if (sub == "update data") return update_data(in);
  if (sub == "delete data") return delete_data(in);
  if (sub == "list") return list(in);
  if (sub == "reset") return reset_prompt(in);
  spdlog::warn("bot: unknown storage subcommand from user {}", in.user_id);
  say(in, kUnknownCommand);
}

void Bot::on_autocomplete(const Interaction& in) {
  if (in.focused != "key") return send(in, autocomplete({}));
  std::string typed = key_of(in);
  const bool accepted = storage_.get_pairs(
      in.user_id, [this, in, typed](Status status, storage::StoragePairsPtr pairs) {
        if (status != Status::kOk || !pairs) return send(in, autocomplete({}));
        send(in, autocomplete(complete_keys(*pairs, typed)));
      });
  // Autocomplete cannot be deferred or answered with text: offer nothing.
  if (!accepted) send(in, autocomplete({}));
}

void Bot::on_component(const Interaction& in) {
  const auto button = parse_reset_button(in.custom_id);
  if (!button) {
    spdlog::warn("bot: unknown component from user {}", in.user_id);
    return send(in, message("This button is no longer active.", true));
  }
  if (button->user_id != in.user_id) return send(in, message(kNotYourButton, true));
  if (!button->confirm) return send(in, update_message("Reset cancelled. Nothing was changed."));
  reset_confirmed(in);
}

// ---- commands ---------------------------------------------------------------

void Bot::ping(const Interaction& in) {
  const auto latency = latency_ ? latency_() : std::nullopt;
  if (!latency) return say(in, "Pong! The gateway latency is not measured yet.");
  say(in, "Pong! Gateway latency: " + std::to_string(latency->count()) + " ms.");
}

void Bot::create_token(const Interaction& in) {
  if (!store_.find(in.user_id) && !bypasses(in.user_id)) return say(in, kNotMonitored);
  const bool accepted =
      storage_.create_or_replace_token(in.user_id, [this, in](Status status, std::string token) {
        if (status != Status::kOk) {
          spdlog::warn("bot: creating a token for user {} failed", in.user_id);
          return say(in, kFailed);
        }
        say(in, "Your new token (any previous one no longer works):\n```\n" + token +
                    "\n```\nKeep it secret: it lets anyone change your storage through the API. "
                    "Show it again with /storage get token.");
      });
  if (!accepted) busy(in);
}

void Bot::get_token(const Interaction& in) {
  const bool accepted =
      storage_.get_token(in.user_id, [this, in](Status status, std::string token) {
        if (status != Status::kOk) {
          if (status == Status::kError)
            spdlog::warn("bot: reading the token of user {} failed", in.user_id);
          return say(in, failure_text(status, {}, {}));
        }
        say(in, "Your token:\n```\n" + token + "\n```\nKeep it secret.");
      });
  if (!accepted) busy(in);
}

void Bot::create_data(const Interaction& in) {
  if (auto error = invalid_pair(in, true)) return say(in, *error);
  const std::string key = key_of(in);
  const bool accepted =
      storage_.put(in.user_id, key, value_of(in), [this, in, key](storage::WriteResult result) {
        if (result.status != Status::kOk)
          return say(in, failure_text(result.status, result.error, key));
        say(in, "Saved " + code(key) + ".");
      });
  if (!accepted) busy(in);
}

void Bot::get_data(const Interaction& in) {
  if (auto error = invalid_pair(in, false)) return say(in, *error);
  const std::string key = key_of(in);
  // get_pairs (not get_value) so that a user without a token is told to create one.
  const bool accepted = storage_.get_pairs(
      in.user_id, [this, in, key](Status status, storage::StoragePairsPtr pairs) {
        if (status != Status::kOk || !pairs) return say(in, failure_text(status, {}, key));
        const auto it = pairs->find(key);
        if (it == pairs->end()) return say(in, key_missing(key));
        if (it->second.empty()) return say(in, code(key) + " holds an empty string.");
        send(in, text_or_file(code(key) + ":", it->second, "",
                              "The value of " + code(key) + " is attached.", key + ".txt",
                              in.in_guild, options_.inline_limit));
      });
  if (!accepted) busy(in);
}

void Bot::update_data(const Interaction& in) {
  if (auto error = invalid_pair(in, true)) return say(in, *error);
  const std::string key = key_of(in);
  const bool accepted =
      storage_.patch(in.user_id, key, value_of(in), [this, in, key](storage::WriteResult result) {
        if (result.status != Status::kOk)
          return say(in, failure_text(result.status, result.error, key));
        say(in, "Updated " + code(key) + ".");
      });
  if (!accepted) busy(in);
}

void Bot::delete_data(const Interaction& in) {
  if (auto error = invalid_pair(in, false)) return say(in, *error);
  const std::string key = key_of(in);
  const bool accepted =
      storage_.delete_key(in.user_id, key, [this, in, key](storage::WriteResult result) {
        if (result.status != Status::kOk)
          return say(in, failure_text(result.status, result.error, key));
        say(in, "Deleted " + code(key) + ".");
      });
  if (!accepted) busy(in);
}

void Bot::list(const Interaction& in) {
  const bool accepted =
      storage_.get_pairs(in.user_id, [this, in](Status status, storage::StoragePairsPtr pairs) {
        if (status != Status::kOk || !pairs) return say(in, failure_text(status, {}, {}));
        if (pairs->empty())
          return say(in, "Your storage is empty. Add a key with /storage create data.");
        const std::string count = keys_phrase(pairs->size());
        send(in, text_or_file(
                     "Your storage (" + count + "):", render_pairs(*pairs), "json",
                     "Your storage (" + count + ") is attached as " + std::string(kListFile) + ".",
                     kListFile, in.in_guild, options_.inline_limit));
      });
  if (!accepted) busy(in);
}

void Bot::reset_prompt(const Interaction& in) {
  const bool accepted =
      storage_.get_pairs(in.user_id, [this, in](Status status, storage::StoragePairsPtr pairs) {
        if (status != Status::kOk || !pairs) return say(in, failure_text(status, {}, {}));
        send(in, message("This deletes your token and the " + keys_phrase(pairs->size()) +
                             " of your storage. It cannot be undone. Continue?",
                         in.in_guild, reset_buttons(in.user_id)));
      });
  if (!accepted) busy(in);
}

void Bot::reset_confirmed(const Interaction& in) {
  const bool accepted = storage_.reset(in.user_id, [this, in](storage::WriteResult result) {
    if (result.status == Status::kOk) {
      return send(
          in, update_message("Your storage has been reset: your token and every key are gone."));
    }
    if (result.status == Status::kError) spdlog::warn("bot: resetting user {} failed", in.user_id);
    send(in, update_message(failure_text(result.status, result.error, {})));
  });
  if (!accepted) send(in, update_message(kBusy));
}

// ---- replies ----------------------------------------------------------------

void Bot::send(const Interaction& in, const Reply& reply) const {
  rest_.request(callback_request(in.id, in.token, reply), [id = in.id, user = in.user_id](
                                                              discord::RestResult result) {
    if (result.ok()) return;
    spdlog::warn("bot: answering interaction {} of user {} failed: {}", id, user, result.error);
  });
}

void Bot::say(const Interaction& in, std::string_view content) const {
  send(in, message(content, in.in_guild));
}

void Bot::busy(const Interaction& in) const {
  spdlog::warn("bot: storage queue full, interaction {} of user {} refused", in.id, in.user_id);
  say(in, kBusy);
}

bool Bot::bypasses(Snowflake user_id) const {
  const auto& ids = options_.bypass_user_ids;
  return std::find(ids.begin(), ids.end(), user_id) != ids.end();
}

}  // namespace lantern::bot
