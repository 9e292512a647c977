// bot::Bot: the slash-command handlers (API.md section 5). Interactions arrive as
// INTERACTION_CREATE on the gateway (GatewayEventSink::on_interaction) and every
// answer goes out over HTTP: POST /interactions/{id}/{token}/callback.
//
//   /ping                       gateway latency
//   /storage create token       mint or replace the caller's token and show it
//   /storage get token          show it again
//   /storage create data k v    create or overwrite a key
//   /storage get data k         show a value (attached as <k>.txt when long)
//   /storage update data k v    overwrite an existing key only
//   /storage delete data k      delete a key
//   /storage list               every pair as a JSON code block, or kv-storage.json
//                               when the JSON is longer than BotOptions::inline_limit
//   /storage reset              Confirm / Cancel buttons; Confirm deletes the token and
//                               every pair (callback type 7 on the button's message)
//   autocomplete of `key`       at most 25 of the caller's keys, prefix match ignoring case
//
// Rules: replies are ephemeral (flags 64) inside guilds and never mention anyone
// (allowed_mentions {parse: []}). Only monitored users (a member of the base guild
// in the PresenceStore) may create a token; every other storage command needs a
// token first. Users in BotOptions::bypass_user_ids skip the monitored-only rule,
// which is the only restriction the bot itself imposes (the key-value rules and
// the 512-pair limit are the storage's and apply to everyone). Keys and values are
// checked with storage/kv_rules.h before storage is asked, and answered with the
// same sentences as REST. Buttons carry the invoking user's id in their custom_id
// and refuse (ephemerally) anyone else.
//
// Threading and lifetime
//  * handle_interaction() never blocks: it parses, then either replies at once or
//    submits one storage operation whose callback (on the storage worker thread)
//    sends the reply. RestClient::request() is thread-safe and only enqueues, so
//    callbacks answer directly instead of hopping back to the gateway strand. The
//    Bot holds no mutable state, so handle_interaction() may be called from any
//    thread (the app calls it on the gateway strand).
//  * Storage callbacks capture `this`: destroy the Bot only after the storage
//    Service has drained (its destructor or flush()), and keep the RestClient alive
//    until then as well. After RestClient::stop() replies fail fast and are logged.
//  * Errors of storage (kError, a full queue) and of REST are answered politely
//    where possible and logged with the interaction id and user id, never with a
//    token (neither the user's storage token nor the interaction token).
#pragma once

#include <boost/json/fwd.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/snowflake.h"

namespace lantern::discord {
class RestClient;
}
namespace lantern::storage {
class Service;
}
namespace lantern::presence {
class PresenceStore;
}

namespace lantern::bot {

struct Interaction;
struct Reply;

struct BotOptions {
  // bypass_command_permissions_check from the configuration.
  std::vector<Snowflake> bypass_user_ids;
  // /storage list and /storage get data show text inline up to this many characters.
  std::size_t inline_limit = 1800;
};

// The last heartbeat round trip (GatewayClient::status().heartbeat_latency), or
// nullopt before the first ACK. Called on whichever thread handles the interaction.
using LatencyFunction = std::function<std::optional<std::chrono::milliseconds>()>;

class Bot {
 public:
  // Every reference must outlive the Bot (see the lifetime notes above).
  Bot(discord::RestClient& rest, storage::Service& storage, const presence::PresenceStore& store,
      LatencyFunction latency, BotOptions options);

  Bot(const Bot&) = delete;
  Bot& operator=(const Bot&) = delete;

  // The INTERACTION_CREATE `d` object as received. Types handled: 2 (commands),
  // 3 (buttons), 4 (autocomplete); others, and objects without an id, token or
  // user, are logged and dropped (nothing could answer them).
  void handle_interaction(const boost::json::object& interaction);

 private:
  void on_command(const Interaction& in);
  void on_storage_command(const Interaction& in);
  void on_autocomplete(const Interaction& in);
  void on_component(const Interaction& in);

  void ping(const Interaction& in);
  void create_token(const Interaction& in);
  void get_token(const Interaction& in);
  void create_data(const Interaction& in);
  void get_data(const Interaction& in);
  void update_data(const Interaction& in);
  void delete_data(const Interaction& in);
  void list(const Interaction& in);
  void reset_prompt(const Interaction& in);
  void reset_confirmed(const Interaction& in);

  // Sends `reply` for `in`; a REST failure is logged.
  void send(const Interaction& in, const Reply& reply) const;
  // Replies with `content`, ephemeral in guilds.
  void say(const Interaction& in, std::string_view content) const;
  // The answer when storage refused the submission (queue full).
  void busy(const Interaction& in) const;
  bool bypasses(Snowflake user_id) const;

  discord::RestClient& rest_;
  storage::Service& storage_;
  const presence::PresenceStore& store_;
  LatencyFunction latency_;
  BotOptions options_;
};

// The custom_id of the reset buttons, e.g. "storage-reset:confirm:<user id>".
std::string reset_button_id(bool confirm, Snowflake user_id);

}  // namespace lantern::bot
