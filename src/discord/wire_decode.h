// Decoding of the gateway payloads Discord sends (server -> client, JSON
// encoding) into the typed events of presence/events.h.
//
// Contract for every decoder here:
//  * never throws; malformed input yields a Decoded<T> without value and with a
//    one-sentence `error` (naming the event and the field);
//  * unknown fields are ignored; a field of the wrong type counts as absent;
//  * only the fields the event cannot exist without are required (ids); entries
//    of member / presence lists that lack a usable user id are skipped;
//  * a user in PRESENCE_UPDATE is partial: the UserPatch carries exactly the
//    fields present on the wire (protocol 2.4).
//
// Typical use (gateway client, one PayloadParser per connection):
//   auto env = parser.parse(text);
//   if (!env) { log(env.error); return; }
//   if (env->op == 0 && is_store_event(env->type)) {
//     auto event = decode_store_event(env->type, env->data);
//     if (event) std::visit([&](const auto& e) { store.apply(e); }, *event.value);
//   }
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "presence/events.h"

namespace lantern::discord {

// A decoded value, or the reason there is none.
template <typename T>
struct Decoded {
  std::optional<T> value;
  std::string error;  // set exactly when `value` is empty

  static Decoded ok(T v) { return Decoded{std::move(v), {}}; }
  static Decoded fail(std::string why) { return Decoded{std::nullopt, std::move(why)}; }

  explicit operator bool() const { return value.has_value(); }
  T& operator*() { return *value; }
  const T& operator*() const { return *value; }
  T* operator->() { return &*value; }
  const T* operator->() const { return &*value; }
};

// The envelope {op, d, s, t} of every gateway payload.
struct GatewayEnvelope {
  int op = -1;
  std::optional<std::int64_t> seq;  // `s`: set for dispatches (op 0) only
  std::string type;                 // `t`: the dispatch name; empty when null/absent
  boost::json::value data;          // `d`: null when absent
};

// Parses one complete payload text (already inflated). `op` is required and
// must be a small non-negative integer; `d` is moved out of the document.
Decoded<GatewayEnvelope> decode_envelope(std::string_view text);

// Hot-path variant of decode_envelope(): reuses one parser and one arena
// (monotonic buffer) for every payload, so decoding a PRESENCE_UPDATE allocates
// almost nothing. One instance per connection; not thread-safe.
//
// LIFETIME: the `data` of a returned envelope lives in this parser's arena and
// becomes invalid at the next parse() call or when the parser is destroyed.
// Copy out (the decoders below do) before parsing the next payload.
class PayloadParser {
 public:
  // `initial_arena_bytes` is kept between payloads; bigger payloads (a
  // GUILD_CREATE of a large guild) borrow more from the heap for their lifetime.
  explicit PayloadParser(std::size_t initial_arena_bytes = 64 * 1024);
  ~PayloadParser();
  PayloadParser(const PayloadParser&) = delete;
  PayloadParser& operator=(const PayloadParser&) = delete;

  Decoded<GatewayEnvelope> parse(std::string_view text);

 private:
  struct State;  // parser + arena, kept out of this header
  std::unique_ptr<State> state_;
};

// op 10 HELLO.
struct HelloPayload {
  std::int64_t heartbeat_interval_ms = 0;
};
Decoded<HelloPayload> decode_hello(const boost::json::value& d);

// READY: what the gateway client must keep (protocol 1.6).
struct ReadyPayload {
  std::string session_id;
  std::optional<std::string> resume_gateway_url;  // absent in pre-v9 payloads
  Snowflake user_id = 0;                          // the bot's own id
  std::optional<Snowflake> application_id;
};
Decoded<ReadyPayload> decode_ready(const boost::json::value& d);

// A user object (full or partial). nullopt without a usable `id`.
// public_flags falls back to `flags` when absent. The server tag comes from
// `primary_guild` (else the legacy `clan`): present-and-shown only when
// identity_enabled == true, `tag` is a string and identity_guild_id an id;
// present-but-hidden (null, disabled, cleared) gives an explicit "no tag".
std::optional<presence::UserPatch> decode_user(const boost::json::object& user);

// One activity object; never fails (missing fields keep their defaults).
presence::Activity decode_activity(const boost::json::object& activity);

// status, client_status and activities of a presence object ("invisible" and
// unknown status strings read as offline).
presence::Presence decode_presence(const boost::json::object& presence);

Decoded<presence::GuildCreate> decode_guild_create(const boost::json::value& d);
Decoded<presence::MembersChunk> decode_members_chunk(const boost::json::value& d);
Decoded<presence::MemberAdd> decode_member_add(const boost::json::value& d);
Decoded<presence::MemberUpdate> decode_member_update(const boost::json::value& d);
Decoded<presence::MemberRemove> decode_member_remove(const boost::json::value& d);
Decoded<presence::PresenceUpdate> decode_presence_update(const boost::json::value& d);
Decoded<presence::UserUpdate> decode_user_update(const boost::json::value& d);

// Every event the presence store consumes. The alternatives and their order are
// those of discord::GatewayEvent (gateway_events.h), so the two are one type.
using StoreEvent = std::variant<presence::GuildCreate, presence::MembersChunk, presence::MemberAdd,
                                presence::MemberUpdate, presence::MemberRemove,
                                presence::PresenceUpdate, presence::UserUpdate>;

// True for GUILD_CREATE, GUILD_MEMBERS_CHUNK, GUILD_MEMBER_ADD/UPDATE/REMOVE,
// PRESENCE_UPDATE and USER_UPDATE.
bool is_store_event(std::string_view type);

// Decodes the dispatch `type` with data `d`; an error for any other `type`.
Decoded<StoreEvent> decode_store_event(std::string_view type, const boost::json::value& d);

}  // namespace lantern::discord
