#include "discord/wire_decode.h"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parser.hpp>
#include <limits>

#include "discord/wire_fields.h"

namespace lantern::discord {

namespace json = boost::json;
using namespace wire;

namespace {

// ---- envelope -------------------------------------------------------------

json::parse_options parse_options() {
  json::parse_options options;
  options.max_depth = 64;  // READY's _trace and nested activities stay far below
  return options;
}

Decoded<GatewayEnvelope> envelope_from(json::value& document) {
  json::object* root = document.if_object();
  if (!root) return Decoded<GatewayEnvelope>::fail("payload is not a JSON object");
  const json::value* op_value = root->if_contains("op");
  const auto op = op_value ? to_int(*op_value) : std::nullopt;
  if (!op || *op < 0 || *op > 255) {
    return Decoded<GatewayEnvelope>::fail("payload has no integer op");
  }
  // `data` is move-constructed, never move-assigned: assigning a value from
  // another memory resource (the parser's arena) deep-copies it to the heap.
  json::value* d = root->if_contains("d");
  GatewayEnvelope envelope{static_cast<int>(*op), int_field(*root, "s"), std::string(),
                           d ? json::value(std::move(*d)) : json::value()};
  if (const auto type = string_field(*root, "t")) envelope.type = *type;
  return Decoded<GatewayEnvelope>::ok(std::move(envelope));
}

// ---- users, members, presences ------------------------------------------------

// primary_guild / clan: see decode_user() in the header.
std::optional<std::optional<presence::ServerTag>> decode_server_tag(const json::object& user) {
  const json::value* field = user.if_contains("primary_guild");
  if (!field || !(field->is_null() || field->is_object())) field = user.if_contains("clan");
  if (!field) return std::nullopt;
  if (field->is_null()) return std::optional<presence::ServerTag>();
  const json::object* guild = field->if_object();
  if (!guild) return std::nullopt;
  const auto enabled = bool_field(*guild, "identity_enabled");
  const auto tag = string_field(*guild, "tag");
  const auto guild_id = snowflake_field(*guild, "identity_guild_id");
  if (enabled != true || !tag || !guild_id) return std::optional<presence::ServerTag>();
  presence::ServerTag result;
  result.guild_id = *guild_id;
  result.tag = std::string(*tag);
  result.badge = owned_string_field(*guild, "badge");
  return std::optional<presence::ServerTag>(std::move(result));
}

std::optional<presence::UserPatch> user_field(const json::object& obj) {
  const json::object* user = object_field(obj, "user");
  if (!user) return std::nullopt;
  return decode_user(*user);
}

std::optional<presence::MemberEvent> decode_member(const json::object& member) {
  auto user = user_field(member);
  if (!user) return std::nullopt;
  return presence::MemberEvent{std::move(*user), time_field(member, "joined_at")};
}

std::optional<presence::PresenceEvent> decode_presence_event(const json::object& obj) {
  auto user = user_field(obj);
  if (!user) return std::nullopt;
  return presence::PresenceEvent{std::move(*user), decode_presence(obj)};
}

std::vector<presence::MemberEvent> decode_members(const json::object& obj) {
  std::vector<presence::MemberEvent> members;
  const json::array* list = array_field(obj, "members");
  if (!list) return members;
  members.reserve(list->size());
  for (const json::value& item : *list) {
    const json::object* member = item.if_object();
    if (!member) continue;
    if (auto decoded = decode_member(*member)) members.push_back(std::move(*decoded));
  }
  return members;
}

std::vector<presence::PresenceEvent> decode_presences(const json::object& obj) {
  std::vector<presence::PresenceEvent> presences;
  const json::array* list = array_field(obj, "presences");
  if (!list) return presences;
  presences.reserve(list->size());
  for (const json::value& item : *list) {
    const json::object* entry = item.if_object();
    if (!entry) continue;
    if (auto decoded = decode_presence_event(*entry)) presences.push_back(std::move(*decoded));
  }
  return presences;
}

// ---- activities -------------------------------------------------------------------

std::optional<presence::ActivityEmoji> decode_emoji(const json::object* emoji) {
  if (!emoji) return std::nullopt;
  presence::ActivityEmoji result;
  const auto name = string_field(*emoji, "name");
  result.id = snowflake_field(*emoji, "id");
  if (!name && !result.id) return std::nullopt;
  if (name) result.name = std::string(*name);
  result.animated = bool_field(*emoji, "animated").value_or(false);
  return result;
}

std::optional<presence::ActivityAssets> decode_assets(const json::object* assets) {
  if (!assets) return std::nullopt;
  presence::ActivityAssets result;
  result.large.image = owned_string_field(*assets, "large_image");
  result.large.text = owned_string_field(*assets, "large_text");
  result.small.image = owned_string_field(*assets, "small_image");
  result.small.text = owned_string_field(*assets, "small_text");
  return result;
}

// application_id is a snowflake string; a non-negative integer is tolerated and
// re-spelled (as snowflake_field() reads ids).
std::optional<std::string> decode_application_id(const json::value& value) {
  if (const auto* text = value.if_string()) {
    if (!parse_wire_snowflake(*text)) return std::nullopt;
    return std::string(*text);
  }
  if (const auto* u = value.if_uint64()) return lantern::to_string(*u);
  if (const auto* i = value.if_int64()) {
    if (*i >= 0) return lantern::to_string(static_cast<Snowflake>(*i));
  }
  return std::nullopt;
}

std::optional<std::string> owned_string(const json::value& value) {
  const json::string* text = value.if_string();
  if (!text) return std::nullopt;
  return std::string(text->data(), text->size());
}

presence::ClientStatus decode_client_status(const json::object& presence) {
  presence::ClientStatus result;
  const json::object* cs = object_field(presence, "client_status");
  if (!cs) return result;
  const auto platform = [&](std::string_view key) {
    const auto text = string_field(*cs, key);
    return text ? presence::parse_status(*text) : presence::Status::kOffline;
  };
  result.desktop = platform("desktop");
  result.mobile = platform("mobile");
  result.web = platform("web");
  return result;
}

// ---- events -----------------------------------------------------------------------

template <typename T>
Decoded<T> fail(std::string_view event, std::string_view why) {
  std::string message(event);
  message.append(": ").append(why);
  return Decoded<T>::fail(std::move(message));
}

template <typename T>
Decoded<T> not_object(std::string_view event) {
  return fail<T>(event, "d is not an object");
}

template <typename Event>
Decoded<Event> decode_member_event(std::string_view name, const json::value& d) {
  const json::object* obj = d.if_object();
  if (!obj) return not_object<Event>(name);
  const auto guild_id = snowflake_field(*obj, "guild_id");
  if (!guild_id) return fail<Event>(name, "guild_id missing or not a snowflake");
  auto member = decode_member(*obj);
  if (!member) return fail<Event>(name, "user.id missing or not a snowflake");
  Event event;
  event.guild_id = *guild_id;
  event.member = std::move(*member);
  return Decoded<Event>::ok(std::move(event));
}

template <typename Event>
Decoded<StoreEvent> widen(Decoded<Event> decoded) {
  if (!decoded) return Decoded<StoreEvent>::fail(std::move(decoded.error));
  return Decoded<StoreEvent>::ok(StoreEvent(std::move(*decoded.value)));
}

}  // namespace

// ---- envelope -----------------------------------------------------------------------

Decoded<GatewayEnvelope> decode_envelope(std::string_view text) {
  json::error_code ec;
  json::value document = json::parse(text, ec, {}, parse_options());
  if (ec) return Decoded<GatewayEnvelope>::fail("payload is not valid JSON: " + ec.message());
  return envelope_from(document);
}

struct PayloadParser::State {
  explicit State(std::size_t bytes)
      : bytes(bytes), buffer(new unsigned char[bytes]), parser({}, parse_options()) {}

  // A fresh arena over the fixed buffer for every payload. Boost.JSON's
  // monotonic_resource::release() frees its heap blocks but keeps doubling the
  // size of the next one (Boost 1.81), so a resource reused across a member
  // sync asked for a 2^N-byte block after N large chunks and threw bad_alloc.
  // Re-creating it restarts the growth from `bytes`: a payload borrows at most
  // about twice its own document size from the heap, and returns it on the
  // next parse().
  json::monotonic_resource& fresh_arena() {
    parser.reset();  // drops the parser's reference to the previous arena
    arena.reset();   // frees every heap block of the previous payload
    arena.emplace(buffer.get(), bytes);
    return *arena;
  }

  std::size_t bytes;
  std::unique_ptr<unsigned char[]> buffer;
  std::optional<json::monotonic_resource> arena;
  json::parser parser;
};

PayloadParser::PayloadParser(std::size_t initial_arena_bytes)
    : state_(std::make_unique<State>(initial_arena_bytes == 0 ? 1 : initial_arena_bytes)) {}

PayloadParser::~PayloadParser() = default;

Decoded<GatewayEnvelope> PayloadParser::parse(std::string_view text) {
  // Invalidates the previous payload (see header).
  state_->parser.reset(json::storage_ptr(&state_->fresh_arena()));
  json::error_code ec;
  state_->parser.write(text.data(), text.size(), ec);
  if (ec) {
    state_->parser.reset();
    return Decoded<GatewayEnvelope>::fail("payload is not valid JSON: " + ec.message());
  }
  json::value document = state_->parser.release();
  return envelope_from(document);
}

// ---- session payloads ---------------------------------------------------------------------

Decoded<HelloPayload> decode_hello(const json::value& d) {
  const json::object* obj = d.if_object();
  if (!obj) return not_object<HelloPayload>("HELLO");
  const auto interval = int_field(*obj, "heartbeat_interval");
  if (!interval || *interval <= 0) {
    return fail<HelloPayload>("HELLO", "heartbeat_interval missing or not a positive integer");
  }
  return Decoded<HelloPayload>::ok(HelloPayload{*interval});
}

Decoded<ReadyPayload> decode_ready(const json::value& d) {
  const json::object* obj = d.if_object();
  if (!obj) return not_object<ReadyPayload>("READY");
  ReadyPayload ready;
  const auto session_id = string_field(*obj, "session_id");
  if (!session_id || session_id->empty()) return fail<ReadyPayload>("READY", "session_id missing");
  ready.session_id = std::string(*session_id);
  const json::object* user = object_field(*obj, "user");
  const auto user_id = user ? snowflake_field(*user, "id") : std::nullopt;
  if (!user_id) return fail<ReadyPayload>("READY", "user.id missing or not a snowflake");
  ready.user_id = *user_id;
  ready.resume_gateway_url = owned_string_field(*obj, "resume_gateway_url");
  if (const json::object* app = object_field(*obj, "application")) {
    ready.application_id = snowflake_field(*app, "id");
  }
  return Decoded<ReadyPayload>::ok(std::move(ready));
}

// ---- objects ----------------------------------------------------------------------------

std::optional<presence::UserPatch> decode_user(const json::object& user) {
  const auto id = snowflake_field(user, "id");
  if (!id) return std::nullopt;
  presence::UserPatch patch;
  patch.id = *id;
  patch.username = owned_string_field(user, "username");
  patch.discriminator = owned_string_field(user, "discriminator");
  patch.global_name = nullable_string_field(user, "global_name");
  patch.avatar = nullable_string_field(user, "avatar");
  patch.bot = bool_field(user, "bot");
  patch.public_flags = uint_field(user, "public_flags");
  if (!patch.public_flags) patch.public_flags = uint_field(user, "flags");
  patch.server_tag = decode_server_tag(user);
  return patch;
}

// One pass over the activity's fields instead of a lookup per field: activities
// carry a dozen keys and are the bulk of every PRESENCE_UPDATE. (Parsed objects
// hold each key once, so this reads exactly what per-key lookups would.)
presence::Activity decode_activity(const json::object& activity) {
  presence::Activity result;
  for (const json::key_value_pair& field : activity) {
    const std::string_view key = field.key();
    const json::value& value = field.value();
    if (key == "id") {
      if (const json::string* text = value.if_string()) {
        result.id.assign(text->data(), text->size());
      }
    } else if (key == "name") {
      if (const json::string* text = value.if_string()) {
        result.name.assign(text->data(), text->size());
      }
    } else if (key == "type") {
      const auto type = to_int(value);
      if (type && *type >= 0 && *type <= std::numeric_limits<int>::max()) {
        result.type = static_cast<int>(*type);
      }
    } else if (key == "state") {
      result.state = owned_string(value);
    } else if (key == "details") {
      result.details = owned_string(value);
    } else if (key == "url") {
      result.url = owned_string(value);
    } else if (key == "application_id") {
      result.application_id = decode_application_id(value);
    } else if (key == "created_at") {
      result.created_at_ms = to_int(value).value_or(0);
    } else if (key == "emoji") {
      result.emoji = decode_emoji(value.if_object());
    } else if (key == "assets") {
      result.assets = decode_assets(value.if_object());
    } else if (key == "timestamps") {
      if (const json::object* timestamps = value.if_object()) {
        result.start_ms = int_field(*timestamps, "start");
        result.end_ms = int_field(*timestamps, "end");
      }
    } else if (key == "sync_id") {
      result.sync_id = owned_string(value);
    }
  }
  return result;
}

presence::Presence decode_presence(const json::object& obj) {
  presence::Presence result;
  if (const auto status = string_field(obj, "status"))
    result.status = presence::parse_status(*status);
  result.client_status = decode_client_status(obj);
  if (const json::array* list = array_field(obj, "activities")) {
    result.activities.reserve(list->size());
    for (const json::value& item : *list) {
      if (const json::object* activity = item.if_object()) {
        result.activities.push_back(decode_activity(*activity));
      }
    }
  }
  return result;
}

// ---- dispatches -------------------------------------------------------------------------

Decoded<presence::GuildCreate> decode_guild_create(const json::value& d) {
  using Result = presence::GuildCreate;
  const json::object* obj = d.if_object();
  if (!obj) return not_object<Result>("GUILD_CREATE");
  const auto id = snowflake_field(*obj, "id");
  if (!id) return fail<Result>("GUILD_CREATE", "id missing or not a snowflake");
  Result event;
  event.guild_id = *id;
  event.unavailable = bool_field(*obj, "unavailable").value_or(false);
  if (event.unavailable) return Decoded<Result>::ok(std::move(event));
  event.member_count = int_field(*obj, "member_count").value_or(0);
  event.large = bool_field(*obj, "large").value_or(false);
  event.members = decode_members(*obj);
  event.presences = decode_presences(*obj);
  return Decoded<Result>::ok(std::move(event));
}

Decoded<presence::MembersChunk> decode_members_chunk(const json::value& d) {
  using Result = presence::MembersChunk;
  const json::object* obj = d.if_object();
  if (!obj) return not_object<Result>("GUILD_MEMBERS_CHUNK");
  const auto guild_id = snowflake_field(*obj, "guild_id");
  if (!guild_id) return fail<Result>("GUILD_MEMBERS_CHUNK", "guild_id missing or not a snowflake");
  Result event;
  event.guild_id = *guild_id;
  const auto count = int_field(*obj, "chunk_count").value_or(1);
  const auto index = int_field(*obj, "chunk_index").value_or(0);
  if (count < 1 || count > std::numeric_limits<int>::max() || index < 0 || index >= count) {
    return fail<Result>("GUILD_MEMBERS_CHUNK", "chunk_index/chunk_count out of range");
  }
  event.chunk_count = static_cast<int>(count);
  event.chunk_index = static_cast<int>(index);
  event.nonce = owned_string_field(*obj, "nonce");
  event.members = decode_members(*obj);
  event.presences = decode_presences(*obj);
  return Decoded<Result>::ok(std::move(event));
}

Decoded<presence::MemberAdd> decode_member_add(const json::value& d) {
  return decode_member_event<presence::MemberAdd>("GUILD_MEMBER_ADD", d);
}

Decoded<presence::MemberUpdate> decode_member_update(const json::value& d) {
  return decode_member_event<presence::MemberUpdate>("GUILD_MEMBER_UPDATE", d);
}

Decoded<presence::MemberRemove> decode_member_remove(const json::value& d) {
  using Result = presence::MemberRemove;
  const json::object* obj = d.if_object();
  if (!obj) return not_object<Result>("GUILD_MEMBER_REMOVE");
  const auto guild_id = snowflake_field(*obj, "guild_id");
  if (!guild_id) return fail<Result>("GUILD_MEMBER_REMOVE", "guild_id missing or not a snowflake");
  const json::object* user = object_field(*obj, "user");
  const auto user_id = user ? snowflake_field(*user, "id") : std::nullopt;
  if (!user_id) return fail<Result>("GUILD_MEMBER_REMOVE", "user.id missing or not a snowflake");
  return Decoded<Result>::ok(Result{*guild_id, *user_id});
}

Decoded<presence::PresenceUpdate> decode_presence_update(const json::value& d) {
  using Result = presence::PresenceUpdate;
  const json::object* obj = d.if_object();
  if (!obj) return not_object<Result>("PRESENCE_UPDATE");
  auto presence = decode_presence_event(*obj);
  if (!presence) return fail<Result>("PRESENCE_UPDATE", "user.id missing or not a snowflake");
  Result event;
  // Absent (or null) means "the base guild"; a malformed id must not pass for that.
  const json::value* guild = obj->if_contains("guild_id");
  if (guild && !guild->is_null()) {
    const auto guild_id = snowflake_field(*obj, "guild_id");
    if (!guild_id) return fail<Result>("PRESENCE_UPDATE", "guild_id is not a snowflake");
    event.guild_id = *guild_id;
  }
  event.presence = std::move(*presence);
  return Decoded<Result>::ok(std::move(event));
}

Decoded<presence::UserUpdate> decode_user_update(const json::value& d) {
  using Result = presence::UserUpdate;
  const json::object* obj = d.if_object();
  if (!obj) return not_object<Result>("USER_UPDATE");
  auto user = decode_user(*obj);
  if (!user) return fail<Result>("USER_UPDATE", "id missing or not a snowflake");
  return Decoded<Result>::ok(Result{std::move(*user)});
}

bool is_store_event(std::string_view type) {
  return type == "PRESENCE_UPDATE" || type == "GUILD_CREATE" || type == "GUILD_MEMBERS_CHUNK" ||
         type == "GUILD_MEMBER_ADD" || type == "GUILD_MEMBER_UPDATE" ||
         type == "GUILD_MEMBER_REMOVE" || type == "USER_UPDATE";
}

Decoded<StoreEvent> decode_store_event(std::string_view type, const json::value& d) {
  if (type == "PRESENCE_UPDATE") return widen(decode_presence_update(d));
  if (type == "GUILD_CREATE") return widen(decode_guild_create(d));
  if (type == "GUILD_MEMBERS_CHUNK") return widen(decode_members_chunk(d));
  if (type == "GUILD_MEMBER_ADD") return widen(decode_member_add(d));
  if (type == "GUILD_MEMBER_UPDATE") return widen(decode_member_update(d));
  if (type == "GUILD_MEMBER_REMOVE") return widen(decode_member_remove(d));
  if (type == "USER_UPDATE") return widen(decode_user_update(d));
  return Decoded<StoreEvent>::fail("not an event of the presence store: " + std::string(type));
}

}  // namespace lantern::discord
