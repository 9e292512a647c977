// The REST subset under /api/v10 (discord-protocol section 6) and the HTTP connection
// that serves it or hands a WebSocket upgrade to a GatewayConnection.
#include <spdlog/spdlog.h>

#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cmath>

#include "sim/sim_internal.h"
#include "util/time.h"

namespace lantern::sim {

namespace {

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr std::string_view kApiPrefix = "/api/v10";

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
  }
  return out;
}

bool str_eq(const json::value& v, std::string_view s) {
  return v.is_string() && v.as_string() == s;
}

json::object error_body(int code, std::string message) {
  return json::object{{"message", std::move(message)}, {"code", code}};
}

// Everything needed to answer one request; collects the response.
struct Call {
  Simulator::Impl& sim;
  const Request& req;
  std::string path;  // without /api/v10 and query
  std::vector<std::string_view> seg;
  boost::urls::params_view query;
  json::value body{};  // parsed JSON or payload_json
  std::vector<RecordedFile> files{};
  int status = 200;
  std::string response_body{};
  std::vector<std::pair<std::string, std::string>> extra_headers{};
  std::string bucket_route{};  // route template for the rate-limit bucket, "" = none

  void reply(int st, const json::value& v) {
    status = st;
    response_body = json::serialize(v);
  }
  void reply_empty(int st = 204) {
    status = st;
    response_body.clear();
  }
  void error(int st, int code, std::string message) {
    reply(st, error_body(code, std::move(message)));
  }
  void not_found() { error(404, 0, "404: Not Found"); }
  void method_not_allowed() { error(405, 0, "405: Method Not Allowed"); }
  std::string_view method() const { return req.method_string(); }
  std::optional<std::string> query_param(std::string_view key) const {
    auto it = query.find(key);
    if (it == query.end()) return std::nullopt;
    return std::string((*it).value);
  }
};

std::string iso_now() {
  // Discord spells timestamps with microseconds and an explicit offset.
  std::string ms = format_iso8601_ms(unix_now_ms());  // 2021-05-03T00:00:00.000Z
  ms.pop_back();
  return ms + "000+00:00";
}

json::object invalid_form(std::string field, std::string message) {
  json::object leaf{{"_errors", json::array{json::object{{"code", "BASE_TYPE_INVALID"},
                                                         {"message", std::move(message)}}}}};
  return json::object{{"code", 50035},
                      {"message", "Invalid Form Body"},
                      {"errors", json::object{{std::move(field), std::move(leaf)}}}};
}

// ---- application commands ---------------------------------------------------------------

std::optional<json::object> validate_command(const json::value& v, std::string& field,
                                             std::string& why) {
  if (!v.is_object()) {
    field = "_root";
    why = "Must be an object.";
    return std::nullopt;
  }
  const auto& o = v.as_object();
  const auto* name = o.if_contains("name");
  if (!name || !name->is_string() || name->as_string().empty() || name->as_string().size() > 32) {
    field = "name";
    why = "Must be between 1 and 32 in length.";
    return std::nullopt;
  }
  std::int64_t type = 1;
  if (const auto* t = o.if_contains("type"); t && t->is_int64()) type = t->as_int64();
  if (type == 1) {
    for (char c : std::string_view(name->as_string())) {
      if (c == ' ' || std::isupper(static_cast<unsigned char>(c))) {
        field = "name";
        why = "Command name is invalid";
        return std::nullopt;
      }
    }
    const auto* d = o.if_contains("description");
    if (!d || !d->is_string() || d->as_string().empty() || d->as_string().size() > 100) {
      field = "description";
      why = "Must be between 1 and 100 in length.";
      return std::nullopt;
    }
  }
  json::object c = o;
  c["type"] = type;
  return c;
}

json::object store_command(Simulator::Impl& sim, std::vector<json::object>& list, json::object c,
                           Snowflake guild, bool& created) {
  const auto& name = c["name"];
  const auto& type = c["type"];
  created = true;
  for (auto& existing : list) {
    if (existing["name"] == name && existing["type"] == type) {
      c["id"] = existing["id"];
      created = false;
      break;
    }
  }
  if (created) c["id"] = to_string(sim.next_snowflake());
  c["application_id"] = to_string(sim.opt.application_id);
  c["version"] = to_string(sim.next_snowflake());
  if (!c.contains("default_member_permissions")) c["default_member_permissions"] = nullptr;
  if (!c.contains("nsfw")) c["nsfw"] = false;
  if (guild != 0) {
    c["guild_id"] = to_string(guild);
  } else {
    if (!c.contains("contexts")) c["contexts"] = nullptr;
    if (!c.contains("integration_types")) c["integration_types"] = json::array{0};
  }
  if (!created) {
    for (auto& existing : list) {
      if (existing["id"] == c["id"]) existing = c;
    }
  } else {
    list.push_back(c);
  }
  return c;
}

void commands_route(Call& call, Snowflake guild, std::optional<std::string_view> command_id) {
  auto& sim = call.sim;
  std::lock_guard lock(sim.rest_mu);
  auto& list = sim.commands[guild];
  const auto m = call.method();
  if (!command_id) {
    if (m == "GET") {
      json::array out;
      for (const auto& c : list) out.push_back(c);
      return call.reply(200, out);
    }
    if (m == "PUT") {
      if (!call.body.is_array()) return call.reply(400, invalid_form("_root", "Must be an array."));
      std::vector<json::object> validated;
      for (const auto& v : call.body.as_array()) {
        std::string field, why;
        auto c = validate_command(v, field, why);
        if (!c) return call.reply(400, invalid_form(field, why));
        validated.push_back(std::move(*c));
      }
      std::vector<json::object> next;
      json::array out;
      for (auto& c : validated) {
        // Keep the ids of commands that survive the overwrite.
        bool created = false;
        std::vector<json::object> scratch = list;
        json::object stored = store_command(sim, scratch, std::move(c), guild, created);
        next.push_back(stored);
        out.push_back(stored);
      }
      list = std::move(next);
      return call.reply(200, out);
    }
    if (m == "POST") {
      std::string field, why;
      auto c = validate_command(call.body, field, why);
      if (!c) return call.reply(400, invalid_form(field, why));
      bool created = false;
      json::object stored = store_command(sim, list, std::move(*c), guild, created);
      return call.reply(created ? 201 : 200, stored);
    }
    return call.method_not_allowed();
  }
  auto it = std::find_if(list.begin(), list.end(),
                         [&](const json::object& c) { return str_eq(c.at("id"), *command_id); });
  if (it == list.end()) return call.error(404, 10063, "Unknown application command");
  if (m == "GET") return call.reply(200, *it);
  if (m == "DELETE") {
    list.erase(it);
    return call.reply_empty(204);
  }
  if (m == "PATCH") {
    if (!call.body.is_object()) return call.reply(400, invalid_form("_root", "Must be an object."));
    for (const auto& [k, v] : call.body.as_object()) {
      if (k != "id" && k != "application_id") (*it)[k] = v;
    }
    (*it)["version"] = to_string(sim.next_snowflake());
    return call.reply(200, *it);
  }
  call.method_not_allowed();
}

// ---- interactions and webhooks ----------------------------------------------------------

json::array build_attachments(Simulator::Impl& sim, const json::object& body,
                              const std::vector<RecordedFile>& files, const json::array* previous) {
  json::array out;
  const auto* listed = body.if_contains("attachments");
  auto meta_for = [&](std::string_view index) -> const json::object* {
    if (!listed || !listed->is_array()) return nullptr;
    for (const auto& a : listed->as_array()) {
      if (!a.is_object()) continue;
      const auto* id = a.as_object().if_contains("id");
      if (!id) continue;
      if ((id->is_string() && id->as_string() == index) ||
          (id->is_int64() && std::to_string(id->as_int64()) == index)) {
        return &a.as_object();
      }
    }
    return nullptr;
  };
  if (previous) {
    for (const auto& a : *previous) {
      const auto& id = a.as_object().at("id").as_string();
      if (!listed || meta_for(id)) out.push_back(a);
    }
  }
  for (const auto& f : files) {
    std::string index = f.field;
    if (auto open = index.find('['); open != std::string::npos) {
      index = index.substr(open + 1, index.find(']') - open - 1);
    }
    const auto id = to_string(sim.next_snowflake());
    json::object a{
        {"id", id},
        {"filename", f.filename},
        {"size", f.data.size()},
        {"url", "https://cdn.discordapp.com/attachments/0/" + id + "/" + f.filename},
        {"proxy_url", "https://media.discordapp.net/attachments/0/" + id + "/" + f.filename},
        {"content_type", f.content_type}};
    if (const auto* meta = meta_for(index)) {
      if (const auto* d = meta->if_contains("description")) a["description"] = *d;
    }
    out.push_back(std::move(a));
  }
  return out;
}

json::object make_message(Simulator::Impl& sim, const json::object& body,
                          const std::vector<RecordedFile>& files, int type) {
  const auto& o = sim.opt;
  json::object author = sim.bot_user();
  json::object m{{"id", to_string(sim.next_snowflake())},
                 {"type", type},
                 {"content", ""},
                 {"channel_id", "0"},
                 {"author", json::object{{"id", author["id"]},
                                         {"username", author["username"]},
                                         {"discriminator", author["discriminator"]},
                                         {"avatar", nullptr},
                                         {"global_name", nullptr},
                                         {"bot", true}}},
                 {"attachments", json::array{}},
                 {"embeds", json::array{}},
                 {"mentions", json::array{}},
                 {"mention_roles", json::array{}},
                 {"pinned", false},
                 {"mention_everyone", false},
                 {"tts", false},
                 {"timestamp", iso_now()},
                 {"edited_timestamp", nullptr},
                 {"flags", 0},
                 {"components", json::array{}},
                 {"application_id", to_string(o.application_id)},
                 {"webhook_id", to_string(o.application_id)}};
  for (const char* key : {"content", "embeds", "components", "flags", "tts", "poll"}) {
    if (const auto* v = body.if_contains(key)) m[key] = *v;
  }
  m["attachments"] = build_attachments(sim, body, files, nullptr);
  return m;
}

void edit_message(Simulator::Impl& sim, json::object& m, const json::object& body,
                  const std::vector<RecordedFile>& files) {
  for (const char* key : {"content", "embeds", "components", "flags", "poll"}) {
    if (const auto* v = body.if_contains(key)) m[key] = *v;
  }
  const json::array previous = m["attachments"].as_array();
  m["attachments"] = build_attachments(sim, body, files, &previous);
  m["edited_timestamp"] = iso_now();
}

void interaction_callback(Call& call, std::string_view id_text, std::string_view token) {
  auto& sim = call.sim;
  if (call.method() != "POST") return call.method_not_allowed();
  std::lock_guard lock(sim.rest_mu);
  auto it = sim.interactions.find(std::string(token));
  const auto id = parse_wire_snowflake(id_text);
  if (it == sim.interactions.end() || !id || it->second.id != *id) {
    return call.error(404, 10062, "Unknown interaction");
  }
  InteractionState& st = it->second;
  if (st.acknowledged) return call.error(400, 40060, "Interaction has already been acknowledged.");
  if (Clock::now() - st.created > std::chrono::milliseconds(sim.opt.interaction_ack_deadline_ms)) {
    return call.error(404, 10062, "Unknown interaction");
  }
  const json::object* body = call.body.is_object() ? &call.body.as_object() : nullptr;
  const json::value* type = body ? body->if_contains("type") : nullptr;
  if (!type || !type->is_int64())
    return call.reply(400, invalid_form("type", "This field is required"));
  st.acknowledged = true;
  sim.callbacks.push_back(InteractionCallback{*id, std::string(token), call.body, call.files});
  if (sim.callbacks.size() > sim.opt.max_records) sim.callbacks.erase(sim.callbacks.begin());
  const std::int64_t t = type->as_int64();
  static const json::object kEmpty;
  const json::value* data = body->if_contains("data");
  const json::object& d = data && data->is_object() ? data->as_object() : kEmpty;
  if (t == 4 || t == 7) {
    st.original = make_message(sim, d, call.files, 20);
  } else if (t == 5) {
    json::object loading;
    std::int64_t flags = 128;  // LOADING
    if (const auto* f = d.if_contains("flags"); f && f->is_int64()) flags |= f->as_int64() & 64;
    loading["flags"] = flags;
    st.original = make_message(sim, loading, {}, 20);
  }
  if (call.query_param("with_response") == "true") {
    json::object interaction{{"id", to_string(*id)}, {"type", 2}};
    json::object out{{"interaction", interaction}};
    if (st.original) {
      out["interaction"].as_object()["response_message_id"] = st.original->at("id");
      out["resource"] = json::object{{"type", t}, {"message", *st.original}};
    } else {
      out["resource"] = json::object{{"type", t}};
    }
    sim.notify();
    return call.reply(200, out);
  }
  sim.notify();
  call.reply_empty(204);
}

void webhook_route(Call& call) {
  auto& sim = call.sim;
  const auto& seg = call.seg;  // webhooks/{app}/{token}[/messages/{id}]
  std::lock_guard lock(sim.rest_mu);
  auto it = sim.interactions.find(std::string(seg[2]));
  if (seg[1] != to_string(sim.opt.application_id) || it == sim.interactions.end()) {
    return call.error(404, 10015, "Unknown Webhook");
  }
  InteractionState& st = it->second;
  if (Clock::now() - st.created > std::chrono::minutes(15)) {
    return call.error(401, 50027, "Invalid Webhook Token");
  }
  static const json::object kEmpty;
  const json::object& body = call.body.is_object() ? call.body.as_object() : kEmpty;
  const auto m = call.method();
  if (seg.size() == 3) {
    if (m != "POST") return call.method_not_allowed();
    if (!st.acknowledged) return call.error(404, 10015, "Unknown Webhook");
    st.followups.push_back(make_message(sim, body, call.files, 0));
    sim.notify();
    return call.reply(200, st.followups.back());
  }
  if (seg.size() != 5 || seg[3] != "messages") return call.not_found();
  json::object* msg = nullptr;
  bool original = seg[4] == "@original";
  if (original) {
    if (st.original) msg = &*st.original;
  } else {
    if (st.original && str_eq(st.original->at("id"), seg[4])) {
      msg = &*st.original;
      original = true;
    }
    for (auto& f : st.followups) {
      if (str_eq(f.at("id"), seg[4])) msg = &f;
    }
  }
  if (!msg) return call.error(404, 10008, "Unknown Message");
  if (m == "GET") return call.reply(200, *msg);
  if (m == "PATCH") {
    edit_message(sim, *msg, body, call.files);
    if (original) {
      auto flags = msg->at("flags").is_int64() ? msg->at("flags").as_int64() : 0;
      (*msg)["flags"] = flags & ~std::int64_t{128};  // no longer loading
    }
    sim.notify();
    return call.reply(200, *msg);
  }
  if (m == "DELETE") {
    if (original) {
      st.original.reset();
    } else {
      std::erase_if(st.followups,
                    [&](const json::object& f) { return str_eq(f.at("id"), seg[4]); });
    }
    sim.notify();
    return call.reply_empty(204);
  }
  call.method_not_allowed();
}

// ---- guild / user reads -----------------------------------------------------------------

void guild_members_route(Call& call) {
  auto& sim = call.sim;
  const auto& seg = call.seg;  // guilds/{gid}/members[/{uid}]
  if (call.method() != "GET") return call.method_not_allowed();
  if (seg[1] != to_string(sim.opt.guild_id)) return call.error(404, 10004, "Unknown Guild");
  std::lock_guard lock(sim.state_mu);
  if (seg.size() == 4) {
    auto uid = parse_wire_snowflake(seg[3]);
    auto it = uid ? sim.members.find(*uid) : sim.members.end();
    if (it == sim.members.end()) return call.error(404, 10007, "Unknown Member");
    call.status = 200;
    call.response_body = it->second.member_json;
    return;
  }
  std::int64_t limit = 1;
  if (auto l = call.query_param("limit")) limit = std::atoll(l->c_str());
  if (limit < 1 || limit > 1000) {
    return call.reply(400, invalid_form("limit", "int value should be between 1 and 1000."));
  }
  Snowflake after = 0;
  if (auto a = call.query_param("after")) after = parse_wire_snowflake(*a).value_or(0);
  std::string out = "[";
  std::int64_t n = 0;
  for (auto it = sim.members.upper_bound(after); it != sim.members.end() && n < limit; ++it, ++n) {
    if (n) out += ',';
    out += it->second.member_json;
  }
  out += ']';
  call.status = 200;
  call.response_body = std::move(out);
}

void route(Call& call) {
  auto& sim = call.sim;
  const auto& o = sim.opt;
  const auto& seg = call.seg;
  const auto m = call.method();
  const std::size_t n = seg.size();

  if (n == 1 && seg[0] == "gateway") {
    if (m != "GET") return call.method_not_allowed();
    return call.reply(
        200, json::object{{"url", "ws://" + o.bind + ":" + std::to_string(sim.bound_port.load()) +
                                      "/gateway"}});
  }
  // Interaction callbacks and interaction webhooks are authorised by the token in the path.
  if (n == 4 && seg[0] == "interactions" && seg[3] == "callback") {
    call.bucket_route = "POST /interactions/{id}/{token}/callback";
    return interaction_callback(call, seg[1], seg[2]);
  }
  if (n >= 3 && seg[0] == "webhooks") {
    call.bucket_route = std::string(m) + " /webhooks/{app}/{token}" + (n > 3 ? "/messages" : "");
    return webhook_route(call);
  }

  const auto auth = call.req[http::field::authorization];
  if (auth != "Bot " + o.token) return call.error(401, 0, "401: Unauthorized");

  if (n == 2 && seg[0] == "gateway" && seg[1] == "bot") {
    if (m != "GET") return call.method_not_allowed();
    call.bucket_route = "GET /gateway/bot";
    SessionStartLimit starts;
    {
      std::lock_guard lock(sim.starts_mu);
      starts = sim.current_session_starts(Clock::now());
    }
    json::object limit{{"total", starts.total},
                       {"remaining", starts.remaining},
                       {"reset_after", starts.reset_after.count()},
                       {"max_concurrency", starts.max_concurrency}};
    return call.reply(
        200, json::object{{"url", "ws://" + o.bind + ":" + std::to_string(sim.bound_port.load()) +
                                      "/gateway"},
                          {"shards", 1},
                          {"session_start_limit", limit}});
  }
  if (n == 2 && seg[0] == "users" && seg[1] == "@me") {
    if (m != "GET") return call.method_not_allowed();
    call.bucket_route = "GET /users/@me";
    return call.reply(200, sim.bot_user());
  }
  if (n == 2 && seg[0] == "users") {
    if (m != "GET") return call.method_not_allowed();
    call.bucket_route = "GET /users/{id}";
    auto uid = parse_wire_snowflake(seg[1]);
    std::lock_guard lock(sim.state_mu);
    auto it = uid ? sim.members.find(*uid) : sim.members.end();
    if (it == sim.members.end()) return call.error(404, 10013, "Unknown User");
    json::object user = it->second.member.at("user").as_object();
    if (!user.contains("banner")) user["banner"] = nullptr;
    if (!user.contains("accent_color")) user["accent_color"] = nullptr;
    return call.reply(200, user);
  }
  if ((n == 3 && seg[0] == "oauth2" && seg[1] == "applications" && seg[2] == "@me") ||
      (n == 2 && seg[0] == "applications" && seg[1] == "@me")) {
    if (m != "GET") return call.method_not_allowed();
    call.bucket_route = "GET /applications/@me";
    json::object bot = sim.bot_user();
    json::object owner{{"id", to_string(o.guild_owner_id)},
                       {"username", "owner"},
                       {"discriminator", "0"},
                       {"avatar", nullptr},
                       {"global_name", "Owner"},
                       {"public_flags", 0},
                       {"flags", 0}};
    return call.reply(200, json::object{{"id", to_string(o.application_id)},
                                        {"name", o.bot_username},
                                        {"icon", nullptr},
                                        {"description", "Simulated application"},
                                        {"summary", ""},
                                        {"type", nullptr},
                                        {"bot_public", false},
                                        {"bot_require_code_grant", false},
                                        {"verify_key", std::string(64, 'a')},
                                        {"flags", o.application_flags},
                                        {"hook", true},
                                        {"approximate_guild_count", 1},
                                        {"bot", bot},
                                        {"owner", owner},
                                        {"team", nullptr},
                                        {"redirect_uris", json::array{}},
                                        {"interactions_endpoint_url", nullptr}});
  }
  if (n >= 3 && seg[0] == "guilds" && seg[2] == "members" && n <= 4) {
    call.bucket_route = "GET /guilds/{id}/members";
    return guild_members_route(call);
  }
  if (n >= 3 && seg[0] == "applications" && seg[2] == "commands" && n <= 4) {
    if (seg[1] != to_string(o.application_id)) return call.error(403, 50001, "Missing Access");
    call.bucket_route = std::string(m) + " /applications/{id}/commands";
    return commands_route(call, 0, n == 4 ? std::optional(seg[3]) : std::nullopt);
  }
  if (n >= 5 && n <= 6 && seg[0] == "applications" && seg[2] == "guilds" && seg[4] == "commands") {
    if (seg[1] != to_string(o.application_id)) return call.error(403, 50001, "Missing Access");
    auto gid = parse_wire_snowflake(seg[3]);
    if (!gid || *gid != o.guild_id) return call.error(403, 50001, "Missing Access");
    call.bucket_route = std::string(m) + " /applications/{id}/guilds/{id}/commands";
    return commands_route(call, *gid, n == 6 ? std::optional(seg[5]) : std::nullopt);
  }
  call.not_found();
}

std::string hex_of(std::size_t h) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) s[static_cast<std::size_t>(i)] = kHex[h & 15];
  return s;
}

// What the simulator records of every request it reads (the answer is added later).
RestRecord record_of(const Request& req) {
  RestRecord record;
  record.method = std::string(req.method_string());
  record.target = std::string(req.target());
  for (const auto& f : req) {
    record.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
  record.body = req.body();
  return record;
}

}  // namespace

void Simulator::Impl::record_unanswered(const Request& req) {
  RestRecord record = record_of(req);
  std::string_view path = record.target;
  path = path.substr(0, path.find('?'));
  if (path.starts_with(kApiPrefix)) path.remove_prefix(kApiPrefix.size());
  record.path = std::string(path);
  if (opt.log)
    spdlog::info("sim: {} {} -> connection closed (scripted)", record.method, record.target);
  record_rest(std::move(record));
}

Response Simulator::Impl::handle_rest(const Request& req) {
  RestRecord record = record_of(req);

  std::string_view target = req.target();
  auto parsed = boost::urls::parse_origin_form(target);
  std::string path = parsed ? std::string(parsed->encoded_path()) : std::string(target);
  Response res{http::status::ok, req.version()};
  res.set(http::field::server, "lantern-sim");
  res.keep_alive(req.keep_alive());

  if (!path.starts_with(kApiPrefix)) {
    record.path = path;
    res.result(http::status::not_found);
    res.set(http::field::content_type, "application/json");
    res.body() = json::serialize(error_body(0, "404: Not Found"));
    record.status = 404;
    record.response_body = res.body();
    res.prepare_payload();
    record_rest(std::move(record));
    return res;
  }
  path = path.substr(kApiPrefix.size());
  if (path.empty()) path = "/";
  record.path = path;

  Call call{*this, req, path, split_path(path),
            parsed ? parsed->params() : boost::urls::params_view{}};

  // Body: JSON or multipart payload_json + files[n].
  const std::string content_type(req[http::field::content_type]);
  bool body_ok = true;
  if (!req.body().empty()) {
    if (content_type.starts_with("application/json")) {
      json::error_code ec;
      call.body = json::parse(req.body(), ec);
      body_ok = !ec;
    } else if (content_type.starts_with("multipart/form-data")) {
      std::vector<MultipartPart> parts;
      body_ok = parse_multipart(content_type, req.body(), parts);
      for (auto& p : parts) {
        if (p.name == "payload_json") {
          json::error_code ec;
          call.body = json::parse(p.data, ec);
          if (ec) body_ok = false;
        } else if (p.filename) {
          call.files.push_back(
              RecordedFile{p.name, *p.filename, p.content_type, std::move(p.data)});
        }
      }
    } else {
      body_ok = false;
    }
  }
  record.json = call.body;
  record.files = call.files;

  // Scripted failures come first, exactly as a real outage would.
  std::optional<RestFailure> failure;
  {
    std::lock_guard lock(rest_mu);
    for (auto it = failures.begin(); it != failures.end(); ++it) {
      if (it->remaining > 0 && path.starts_with(it->path_prefix)) {
        failure = *it;
        if (--it->remaining == 0) failures.erase(it);
        break;
      }
    }
  }
  if (failure) {
    if (failure->status == 429) {
      const bool global = failure->scope == "global";
      json::object b{{"message", "You are being rate limited."},
                     {"retry_after", failure->retry_after},
                     {"global", global}};
      call.reply(429, b);
      call.extra_headers.emplace_back(
          "Retry-After", std::to_string(static_cast<long>(std::ceil(failure->retry_after))));
      call.extra_headers.emplace_back("X-RateLimit-Scope", failure->scope);
      if (global) call.extra_headers.emplace_back("X-RateLimit-Global", "true");
      if (!global) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3f", failure->retry_after);
        call.extra_headers.emplace_back("X-RateLimit-Limit", "5");
        call.extra_headers.emplace_back("X-RateLimit-Remaining", "0");
        call.extra_headers.emplace_back("X-RateLimit-Reset-After", buf);
        std::snprintf(buf, sizeof buf, "%.3f",
                      static_cast<double>(unix_now_ms()) / 1000.0 + failure->retry_after);
        call.extra_headers.emplace_back("X-RateLimit-Reset", buf);
        call.extra_headers.emplace_back("X-RateLimit-Bucket",
                                        hex_of(std::hash<std::string>{}(path)));
      }
    } else {
      call.error(failure->status, 0, std::to_string(failure->status) + ": Scripted failure");
    }
  } else if (!body_ok) {
    call.reply(400, json::object{{"code", 50035}, {"message", "Invalid Form Body"}});
  } else {
    route(call);
  }

  // Realistic rate-limit headers for the route's bucket (reported, not enforced).
  if (!failure && !call.bucket_route.empty()) {
    std::lock_guard lock(rest_mu);
    RateBucket& b = buckets[call.bucket_route];
    const auto now = Clock::now();
    if (now >= b.reset_at) {
      b.limit = 50;
      b.remaining = b.limit;
      b.reset_at = now + std::chrono::seconds(1);
    }
    b.remaining = std::max(0, b.remaining - 1);
    const double after = std::chrono::duration<double>(b.reset_at - now).count();
    char buf[32];
    call.extra_headers.emplace_back("X-RateLimit-Limit", std::to_string(b.limit));
    call.extra_headers.emplace_back("X-RateLimit-Remaining", std::to_string(b.remaining));
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(unix_now_ms()) / 1000.0 + after);
    call.extra_headers.emplace_back("X-RateLimit-Reset", buf);
    std::snprintf(buf, sizeof buf, "%.3f", after);
    call.extra_headers.emplace_back("X-RateLimit-Reset-After", buf);
    call.extra_headers.emplace_back("X-RateLimit-Bucket",
                                    hex_of(std::hash<std::string>{}(call.bucket_route)));
  }

  res.result(static_cast<unsigned>(call.status));
  for (auto& [k, v] : call.extra_headers) res.set(k, v);
  if (call.status != 204) {
    res.set(http::field::content_type, "application/json");
    res.body() = call.response_body;
  }
  res.prepare_payload();
  record.status = call.status;
  record.response_body = call.response_body;
  if (opt.log) spdlog::info("sim: {} {} -> {}", record.method, record.target, record.status);
  record_rest(std::move(record));
  return res;
}

// ---------------------------------------------------------------------------------------
// HttpConnection

HttpConnection::HttpConnection(std::shared_ptr<Simulator::Impl> sim, tcp::socket&& socket)
    : sim_(std::move(sim)), stream_(std::move(socket)) {
  ++sim_->open_http;
}

HttpConnection::~HttpConnection() {
  --sim_->open_http;
  sim_->notify();
}

void HttpConnection::run() {
  do_read();
}

void HttpConnection::close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
}

void HttpConnection::do_read() {
  parser_.emplace();
  parser_->body_limit(64 * 1024 * 1024);
  stream_.expires_after(std::chrono::milliseconds(sim_->opt.http_idle_timeout_ms));
  http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void HttpConnection::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    if (sim_->opt.log && ec != http::error::end_of_stream && ec != net::error::operation_aborted &&
        ec != beast::error::timeout) {
      spdlog::info("sim: http read: {}", ec.message());
    }
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    return;
  }
  if (websocket::is_upgrade(parser_->get())) {
    auto index = ++sim_->next_connection_index;
    std::make_shared<GatewayConnection>(sim_, std::move(stream_), index)->run(parser_->release());
    return;
  }
  if (sim_->take_close_without_answer()) {
    sim_->record_unanswered(parser_->get());
    return close();
  }
  response_ = std::make_shared<Response>(sim_->handle_rest(parser_->get()));
  const int limit = sim_->opt.http_max_requests_per_connection;
  if (limit > 0 && ++served_ >= limit) response_->keep_alive(false);
  const bool keep_alive = response_->keep_alive();
  http::async_write(stream_, *response_,
                    [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t n) {
                      self->on_write(keep_alive, ec, n);
                    });
}

void HttpConnection::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  if (ec) return;
  if (!keep_alive) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    return;
  }
  response_.reset();
  do_read();
}

}  // namespace lantern::sim
