// Simulator public API, guild state, and gateway fan-out. See simulator.h for contracts
// and sim_internal.h for the threading model.
#include "sim/simulator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cctype>
#include <future>
#include <random>

#include "sim/sim_internal.h"
#include "util/time.h"

namespace lantern::sim {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Appends `{"op":0,"t":name,"s":seq,"d":d}` without re-serialising `d`.
std::string dispatch_envelope(std::string_view name, std::int64_t seq, std::string_view d) {
  std::string out;
  out.reserve(d.size() + name.size() + 40);
  out += R"({"op":0,"t":")";
  out += name;
  out += R"(","s":)";
  out += std::to_string(seq);
  out += R"(,"d":)";
  out += d;
  out += '}';
  return out;
}

// Serialises `o` and splices `extra` (",\"k\":...") in before its closing brace.
std::string splice(const json::object& o, std::string_view extra) {
  std::string s = json::serialize(o);
  if (o.empty()) return "{" + std::string(extra.substr(extra.empty() ? 0 : 1)) + "}";
  s.pop_back();
  s += extra;
  s += '}';
  return s;
}

std::uint64_t intent_for(std::string_view event) {
  if (event == "PRESENCE_UPDATE") return kIntentGuildPresences;
  if (event.starts_with("GUILD_MEMBER_") && event != "GUILD_MEMBERS_CHUNK") {
    return kIntentGuildMembers;
  }
  if (event.starts_with("GUILD_") && event != "GUILD_MEMBERS_CHUNK") return kIntentGuilds;
  return 0;
}

}  // namespace

std::optional<std::string> RestRecord::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// Impl: lifecycle

Simulator::Impl::Impl(Options o) : opt(std::move(o)) {
  starts.total = opt.session_start_total;
  starts.remaining = opt.session_start_total;
  starts.max_concurrency = opt.session_start_max_concurrency;
  starts_reset_at = Clock::now() + std::chrono::milliseconds(opt.session_start_window_ms);
  guild_joined_at = format_iso8601_ms(snowflake_time_ms(opt.guild_id) + 86'400'000);
  json::object bot;
  bot["user"] = bot_user();
  bot["roles"] = json::array{};
  bot["joined_at"] = guild_joined_at;
  bot["nick"] = nullptr;
  bot["avatar"] = nullptr;
  bot["premium_since"] = nullptr;
  bot["deaf"] = false;
  bot["mute"] = false;
  bot["pending"] = false;
  bot["flags"] = 0;
  put_member(opt.bot_user_id, std::move(bot));
  json::object presence{{"status", "online"},
                        {"client_status", json::object{{"web", "online"}}},
                        {"activities", json::array{}}};
  put_presence(opt.bot_user_id, presence);
}

json::object Simulator::Impl::bot_user() const {
  return json::object{{"id", to_string(opt.bot_user_id)},
                      {"username", opt.bot_username},
                      {"discriminator", "0000"},
                      {"global_name", nullptr},
                      {"avatar", nullptr},
                      {"bot", true},
                      {"flags", 0},
                      {"verified", true},
                      {"mfa_enabled", false},
                      {"email", nullptr}};
}

void Simulator::Impl::start() {
  tcp::endpoint ep(net::ip::make_address(opt.bind), opt.port);
  acceptor.emplace(ioc);
  acceptor->open(ep.protocol());
  acceptor->set_option(net::socket_base::reuse_address(true));
  acceptor->bind(ep);
  acceptor->listen(net::socket_base::max_listen_connections);
  bound_port = acceptor->local_endpoint().port();
  running = true;
  work.emplace(ioc.get_executor());
  do_accept();
  thread = std::thread([this] { ioc.run(); });
  if (opt.log) spdlog::info("sim: listening on {}:{}", opt.bind, bound_port.load());
}

void Simulator::Impl::do_accept() {
  acceptor->async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket s) {
    if (ec) {
      if (ec != net::error::operation_aborted && self->opt.log) {
        spdlog::warn("sim: accept: {}", ec.message());
      }
      if (!self->acceptor->is_open()) return;
    } else {
      ++self->accepted_tcp;
      auto conn = std::make_shared<HttpConnection>(self, std::move(s));
      if (self->http_connections.size() > 64) {
        std::erase_if(self->http_connections, [](auto& kv) { return kv.second.expired(); });
      }
      self->http_connections[self->next_http_index++] = conn;
      conn->run();
    }
    self->do_accept();
  });
}

void Simulator::Impl::stop() {
  if (!running.exchange(false)) return;
  net::post(ioc, [self = shared_from_this()] {
    beast::error_code ec;
    self->acceptor->close(ec);
    self->for_each_connection([](GatewayConnection& c) { c.drop(); });
    for (auto& [i, w] : self->http_connections) {
      if (auto c = w.lock()) c->close();
    }
  });
  // Every connection ends once its cancelled handlers have run; then the thread can go.
  const auto deadline = Clock::now() + std::chrono::seconds(3);
  {
    std::unique_lock lock(wait_mu);
    wait_cv.wait_until(lock, deadline, [&] { return open_connections == 0 && open_http == 0; });
  }
  work.reset();
  // Runs after everything already queued (FIFO), so queued handlers release their
  // references to this Impl before the thread exits.
  net::post(ioc, [this] { ioc.stop(); });
  if (thread.joinable()) thread.join();
  acceptor.reset();
  ioc_owner.reset();  // destroys handlers that were still pending (see sim_internal.h)
  notify();
}

// ---------------------------------------------------------------------------------------
// Impl: guild state

std::optional<Snowflake> Simulator::Impl::user_id_of(const json::object& member) {
  const auto* user = member.if_contains("user");
  if (!user || !user->is_object()) return std::nullopt;
  const auto* id = user->as_object().if_contains("id");
  if (!id || !id->is_string()) return std::nullopt;
  return parse_wire_snowflake(id->as_string());
}

void Simulator::Impl::put_member(Snowflake id, json::object member) {
  MemberEntry& e = members[id];
  e.member_json = json::serialize(member);
  const auto* user = member.at("user").as_object().if_contains("username");
  e.username = user && user->is_string() ? lower(user->as_string()) : std::string{};
  const auto* roles = member.if_contains("roles");
  const auto* nick = member.if_contains("nick");
  e.has_roles_or_nick =
      (roles && roles->is_array() && !roles->as_array().empty()) || (nick && nick->is_string());
  e.member = std::move(member);
}

void Simulator::Impl::put_presence(Snowflake id, const json::object& presence) {
  auto it = members.find(id);
  if (it == members.end()) return;
  MemberEntry& e = it->second;
  const auto* status = presence.if_contains("status");
  if (!status || !status->is_string() || status->as_string() == "offline" ||
      status->as_string() == "invisible") {
    e.presence.reset();
    e.presence_json.clear();
    return;
  }
  json::object p;
  const auto* user = presence.if_contains("user");
  p["user"] = user && user->is_object() ? *user : json::object{{"id", to_string(id)}};
  p["status"] = *status;
  const auto* cs = presence.if_contains("client_status");
  p["client_status"] = cs ? *cs : json::object{{"desktop", *status}};
  const auto* acts = presence.if_contains("activities");
  p["activities"] = acts ? *acts : json::array{};
  e.presence_json = json::serialize(p);
  e.presence = std::move(p);
}

// ---------------------------------------------------------------------------------------
// Impl: gateway fan-out (I/O thread)

void Simulator::Impl::dispatch_to(GatewaySession& s, std::string_view name, std::string_view d) {
  auto payload = std::make_shared<const std::string>(dispatch_envelope(name, ++s.seq, d));
  s.replay.emplace_back(s.seq, payload);
  s.replay_bytes += payload->size();
  while (!s.replay.empty() && (s.replay.size() > opt.replay_buffer_payloads ||
                               s.replay_bytes > opt.replay_buffer_bytes)) {
    s.replay_bytes -= s.replay.front().second->size();
    s.replay.pop_front();
  }
  if (auto c = s.connection.lock()) {
    dispatches.fetch_add(1, std::memory_order_relaxed);
    c->send(*payload);
  }
}

void Simulator::Impl::broadcast(const std::string& name, std::shared_ptr<const std::string> d,
                                std::uint64_t required) {
  for (auto& [id, s] : sessions) {
    if (required == 0 || s->wants(required)) dispatch_to(*s, name, *d);
  }
}

void Simulator::Impl::post_broadcast(std::string name, std::string d, std::uint64_t required) {
  notify();  // the state behind most broadcasts just changed
  if (!running) return;
  auto payload = std::make_shared<const std::string>(std::move(d));
  net::post(ioc, [self = shared_from_this(), name = std::move(name), payload, required] {
    self->broadcast(name, payload, required);
  });
}

void Simulator::Impl::post_if_running(std::function<void()> fn) {
  if (running) net::post(ioc, std::move(fn));
}

void Simulator::Impl::for_each_connection(const std::function<void(GatewayConnection&)>& fn) {
  std::vector<std::shared_ptr<GatewayConnection>> live;
  for (auto& [i, w] : connections) {
    if (auto c = w.lock()) live.push_back(std::move(c));
  }
  for (auto& c : live) fn(*c);
}

void Simulator::Impl::forget_session(const std::string& id) {
  sessions.erase(id);
}

void Simulator::Impl::prune_sessions() {
  while (!sessions.empty() && sessions.size() >= std::max<std::size_t>(1, opt.max_sessions)) {
    auto oldest = sessions.end();
    for (auto it = sessions.begin(); it != sessions.end(); ++it) {
      if (!it->second->connection.expired()) continue;
      if (oldest == sessions.end() || it->second->detached_at < oldest->second->detached_at) {
        oldest = it;
      }
    }
    if (oldest == sessions.end()) return;  // all connected: allow more
    sessions.erase(oldest);
  }
}

std::string Simulator::Impl::new_session_id() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::mt19937_64 rng((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
  std::string id(32, '0');
  for (char& c : id) c = kHex[rng() & 15];
  return id;
}

Snowflake Simulator::Impl::next_snowflake() {
  auto ms = static_cast<std::uint64_t>(unix_now_ms() - kDiscordEpochMs);
  return (ms << 22) | (snowflake_counter.fetch_add(1) & 0x3FFFFF);
}

std::string Simulator::Impl::guild_create_json(const GatewaySession& s) {
  json::object g;
  const std::string gid = to_string(opt.guild_id);
  g["id"] = gid;
  g["name"] = opt.guild_name;
  g["icon"] = nullptr;
  g["splash"] = nullptr;
  g["discovery_splash"] = nullptr;
  g["banner"] = nullptr;
  g["description"] = nullptr;
  g["owner_id"] = to_string(opt.guild_owner_id);
  g["region"] = "deprecated";
  g["afk_channel_id"] = nullptr;
  g["afk_timeout"] = 300;
  g["verification_level"] = 0;
  g["default_message_notifications"] = 0;
  g["explicit_content_filter"] = 0;
  g["roles"] = json::array{json::object{{"id", gid},
                                        {"name", "@everyone"},
                                        {"permissions", "2248473465835073"},
                                        {"position", 0},
                                        {"color", 0},
                                        {"hoist", false},
                                        {"managed", false},
                                        {"mentionable", false},
                                        {"icon", nullptr},
                                        {"unicode_emoji", nullptr},
                                        {"flags", 0}}};
  g["emojis"] = json::array{};
  g["stickers"] = json::array{};
  g["features"] = json::array{};
  g["mfa_level"] = 0;
  g["application_id"] = nullptr;
  g["system_channel_id"] = nullptr;
  g["system_channel_flags"] = 0;
  g["rules_channel_id"] = nullptr;
  g["vanity_url_code"] = nullptr;
  g["premium_tier"] = 0;
  g["premium_subscription_count"] = 0;
  g["preferred_locale"] = "en-US";
  g["public_updates_channel_id"] = nullptr;
  g["nsfw_level"] = 0;
  g["nsfw"] = false;
  g["premium_progress_bar_enabled"] = false;
  g["max_members"] = 500000;
  g["max_video_channel_users"] = 25;
  g["lazy"] = true;
  g["unavailable"] = false;
  g["joined_at"] = guild_joined_at;
  g["voice_states"] = json::array{};
  g["channels"] = json::array{};
  g["threads"] = json::array{};
  g["stage_instances"] = json::array{};
  g["guild_scheduled_events"] = json::array{};
  g["soundboard_sounds"] = json::array{};

  std::string members_json;
  std::string presences_json;
  std::lock_guard lock(state_mu);
  const std::size_t count = members.size();
  const bool large = count > static_cast<std::size_t>(s.large_threshold);
  g["member_count"] = count;
  g["large"] = large;
  const bool only_bot = count > kHugeGuildMembers || !s.wants(kIntentGuildPresences);
  auto add = [&](const MemberEntry& e) {
    if (!members_json.empty()) members_json += ',';
    members_json += e.member_json;
    if (e.presence && s.wants(kIntentGuildPresences)) {
      if (!presences_json.empty()) presences_json += ',';
      presences_json += e.presence_json;
    }
  };
  if (only_bot) {
    if (auto it = members.find(opt.bot_user_id); it != members.end()) add(it->second);
  } else {
    members_json.reserve(count * 256);
    for (const auto& [id, e] : members) {
      if (!large || e.presence || e.has_roles_or_nick || id == opt.bot_user_id) add(e);
    }
  }
  return splice(g, ",\"members\":[" + members_json + "],\"presences\":[" + presences_json + "]");
}

std::vector<std::string> Simulator::Impl::member_chunks(const json::object& req,
                                                        bool presences_allowed) {
  const std::string gid = to_string(opt.guild_id);
  std::string nonce_json;
  if (const auto* n = req.if_contains("nonce");
      n && n->is_string() && n->as_string().size() <= 32) {
    nonce_json = ",\"nonce\":" + json::serialize(*n);
  }
  const auto* pv = req.if_contains("presences");
  const bool with_presences = presences_allowed && pv && pv->is_bool() && pv->as_bool();

  std::vector<const MemberEntry*> selected;
  json::array not_found;
  std::lock_guard lock(state_mu);
  if (const auto* ids = req.if_contains("user_ids")) {
    json::array list = ids->is_array() ? ids->as_array() : json::array{*ids};
    for (const auto& v : list) {
      std::optional<Snowflake> id;
      if (v.is_string()) id = parse_wire_snowflake(v.as_string());
      if (v.is_uint64()) id = v.as_uint64();
      if (v.is_int64() && v.as_int64() >= 0) id = static_cast<Snowflake>(v.as_int64());
      auto it = id ? members.find(*id) : members.end();
      if (it == members.end()) {
        not_found.push_back(v);
      } else if (selected.size() < 100) {
        selected.push_back(&it->second);
      }
    }
  } else {
    std::string query;
    if (const auto* q = req.if_contains("query"); q && q->is_string())
      query = lower(q->as_string());
    std::int64_t limit = 0;
    if (const auto* l = req.if_contains("limit"); l && l->is_number())
      limit = l->to_number<std::int64_t>();
    if (!query.empty()) limit = std::clamp<std::int64_t>(limit == 0 ? 100 : limit, 1, 100);
    for (const auto& [id, e] : members) {
      if (limit > 0 && static_cast<std::int64_t>(selected.size()) >= limit) break;
      if (query.empty() || e.username.starts_with(query)) selected.push_back(&e);
    }
  }

  const std::size_t per = static_cast<std::size_t>(std::max(1, opt.chunk_size));
  const std::size_t count = std::max<std::size_t>(1, (selected.size() + per - 1) / per);
  const std::string not_found_json = json::serialize(not_found);
  std::vector<std::string> chunks;
  chunks.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::string d;
    const std::size_t begin = i * per;
    const std::size_t end = std::min(selected.size(), begin + per);
    d.reserve((end - begin) * 320 + 128);
    d += R"({"guild_id":")" + gid + R"(","members":[)";
    for (std::size_t k = begin; k < end; ++k) {
      if (k != begin) d += ',';
      d += selected[k]->member_json;
    }
    d += "],\"chunk_index\":" + std::to_string(i) + ",\"chunk_count\":" + std::to_string(count);
    if (with_presences) {
      d += ",\"presences\":[";
      bool first = true;
      for (std::size_t k = begin; k < end; ++k) {
        if (!selected[k]->presence) continue;
        if (!first) d += ',';
        first = false;
        d += selected[k]->presence_json;
      }
      d += ']';
    }
    d += ",\"not_found\":" + (i == 0 ? not_found_json : std::string("[]"));
    d += nonce_json;
    d += '}';
    chunks.push_back(std::move(d));
  }
  return chunks;
}

// ---------------------------------------------------------------------------------------
// Impl: recording

void Simulator::Impl::notify() {
  {
    std::lock_guard lock(wait_mu);
    ++generation;
  }
  wait_cv.notify_all();
}

SessionStartLimit Simulator::Impl::current_session_starts(Clock::time_point now) {
  if (now >= starts_reset_at) {
    starts.remaining = starts.total;
    starts_reset_at = now + std::chrono::milliseconds(opt.session_start_window_ms);
  }
  SessionStartLimit out = starts;
  out.remaining = std::max(0, starts.remaining);
  out.reset_after = std::chrono::ceil<std::chrono::milliseconds>(starts_reset_at - now);
  return out;
}

bool Simulator::Impl::take_session_start() {
  std::lock_guard lock(starts_mu);
  if (current_session_starts(Clock::now()).remaining <= 0) return false;
  --starts.remaining;
  return true;
}

void Simulator::Impl::record_gateway(GatewayRecord record) {
  record.at = Clock::now();
  {
    std::lock_guard lock(rec_mu);
    gateway_records.push_back(std::move(record));
    while (gateway_records.size() > opt.max_records) gateway_records.pop_front();
  }
  notify();
}

void Simulator::Impl::record_rest(RestRecord record) {
  record.at = Clock::now();
  {
    std::lock_guard lock(rec_mu);
    rest_records.push_back(std::move(record));
    while (rest_records.size() > opt.max_records) rest_records.pop_front();
  }
  notify();
}

// ---------------------------------------------------------------------------------------
// Simulator

Simulator::Simulator(Options options) : impl_(std::make_shared<Impl>(std::move(options))) {}
Simulator::~Simulator() {
  stop();
}

void Simulator::start() {
  impl_->start();
}
void Simulator::stop() {
  impl_->stop();
}
const Simulator::Options& Simulator::options() const {
  return impl_->opt;
}
std::uint16_t Simulator::port() const {
  return impl_->bound_port;
}
std::string Simulator::api_base() const {
  return "http://" + impl_->opt.bind + ":" + std::to_string(port()) + "/api/v10";
}
std::string Simulator::gateway_url() const {
  return "ws://" + impl_->opt.bind + ":" + std::to_string(port()) + "/gateway";
}

bool Simulator::add_member(const json::object& member, std::optional<json::object> presence) {
  auto id = Impl::user_id_of(member);
  if (!id) return false;
  std::string add_d;
  std::string presence_d;
  {
    std::lock_guard lock(impl_->state_mu);
    impl_->put_member(*id, member);
    if (presence) impl_->put_presence(*id, *presence);
    if (!impl_->running) return true;
    add_d = splice(member, ",\"guild_id\":\"" + to_string(impl_->opt.guild_id) + "\"");
    if (presence) {
      const auto& e = impl_->members.at(*id);
      json::object p = e.presence ? *e.presence
                                  : json::object{{"user", json::object{{"id", to_string(*id)}}},
                                                 {"status", "offline"},
                                                 {"client_status", json::object{}},
                                                 {"activities", json::array{}}};
      p["guild_id"] = to_string(impl_->opt.guild_id);
      presence_d = json::serialize(p);
    }
  }
  impl_->post_broadcast("GUILD_MEMBER_ADD", std::move(add_d), kIntentGuildMembers);
  if (!presence_d.empty()) {
    impl_->post_broadcast("PRESENCE_UPDATE", std::move(presence_d), kIntentGuildPresences);
  }
  return true;
}

bool Simulator::remove_member(Snowflake user_id) {
  std::string d;
  {
    std::lock_guard lock(impl_->state_mu);
    auto it = impl_->members.find(user_id);
    if (it == impl_->members.end()) return false;
    json::object rm{{"guild_id", to_string(impl_->opt.guild_id)},
                    {"user", it->second.member.at("user")}};
    impl_->members.erase(it);
    d = json::serialize(rm);
  }
  impl_->post_broadcast("GUILD_MEMBER_REMOVE", std::move(d), kIntentGuildMembers);
  return true;
}

bool Simulator::update_member(const json::object& member) {
  auto id = Impl::user_id_of(member);
  if (!id) return false;
  std::string d;
  {
    std::lock_guard lock(impl_->state_mu);
    if (!impl_->members.contains(*id)) return false;
    impl_->put_member(*id, member);
    d = splice(member, ",\"guild_id\":\"" + to_string(impl_->opt.guild_id) + "\"");
  }
  impl_->post_broadcast("GUILD_MEMBER_UPDATE", std::move(d), kIntentGuildMembers);
  return true;
}

bool Simulator::set_presence(Snowflake user_id, const json::object& presence) {
  json::object p = presence;
  if (!p.contains("user")) p["user"] = json::object{{"id", to_string(user_id)}};
  if (!p.contains("status")) p["status"] = "online";
  if (!p.contains("activities")) p["activities"] = json::array{};
  if (!p.contains("client_status")) {
    const auto& st = p["status"];
    p["client_status"] =
        st.is_string() && st.as_string() != "offline" && st.as_string() != "invisible"
            ? json::object{{"desktop", st}}
            : json::object{};
  }
  if (p["status"] == "invisible") p["status"] = "offline";
  {
    std::lock_guard lock(impl_->state_mu);
    if (!impl_->members.contains(user_id)) return false;
    impl_->put_presence(user_id, p);
  }
  p["guild_id"] = to_string(impl_->opt.guild_id);
  impl_->post_broadcast("PRESENCE_UPDATE", json::serialize(p), kIntentGuildPresences);
  return true;
}

void Simulator::dispatch(const std::string& event_name, const json::value& d) {
  impl_->post_broadcast(event_name, json::serialize(d), intent_for(event_name));
}

std::size_t Simulator::member_count() const {
  std::lock_guard lock(impl_->state_mu);
  return impl_->members.size();
}

bool Simulator::has_member(Snowflake user_id) const {
  std::lock_guard lock(impl_->state_mu);
  return impl_->members.contains(user_id);
}

std::optional<json::object> Simulator::member(Snowflake user_id) const {
  std::lock_guard lock(impl_->state_mu);
  auto it = impl_->members.find(user_id);
  if (it == impl_->members.end()) return std::nullopt;
  return it->second.member;
}

std::optional<json::object> Simulator::presence(Snowflake user_id) const {
  std::lock_guard lock(impl_->state_mu);
  auto it = impl_->members.find(user_id);
  if (it == impl_->members.end()) return std::nullopt;
  return it->second.presence;
}

void Simulator::close_sessions(std::uint16_t code, std::string reason) {
  impl_->post_if_running([self = impl_, code, reason = std::move(reason)] {
    self->for_each_connection([&](GatewayConnection& c) { c.close(code, reason); });
  });
}

void Simulator::drop_connections() {
  impl_->post_if_running(
      [self = impl_] { self->for_each_connection([](GatewayConnection& c) { c.drop(); }); });
}

void Simulator::send_reconnect() {
  impl_->post_if_running([self = impl_] {
    self->for_each_connection(
        [](GatewayConnection& c) { c.send(R"({"op":7,"d":null,"s":null,"t":null})"); });
  });
}

void Simulator::send_invalid_session(bool resumable) {
  impl_->post_if_running([self = impl_, resumable] {
    self->for_each_connection([&](GatewayConnection& c) {
      c.send(resumable ? R"({"op":9,"d":true,"s":null,"t":null})"
                       : R"({"op":9,"d":false,"s":null,"t":null})");
      if (!resumable && c.session()) {
        self->forget_session(c.session()->id);
        c.detach_session();
      }
    });
  });
}

void Simulator::request_heartbeat() {
  impl_->post_if_running([self = impl_] {
    self->for_each_connection(
        [](GatewayConnection& c) { c.send(R"({"op":1,"d":null,"s":null,"t":null})"); });
  });
}

void Simulator::set_ack_heartbeats(bool ack) {
  impl_->ack_heartbeats = ack;
}
void Simulator::set_session_start_remaining(int n) {
  std::lock_guard lock(impl_->starts_mu);
  impl_->current_session_starts(Clock::now());
  impl_->starts.remaining = n;
}
int Simulator::session_start_remaining() const {
  return session_start_limit().remaining;
}
void Simulator::set_session_start_limit(const SessionStartLimit& limit) {
  std::lock_guard lock(impl_->starts_mu);
  impl_->starts = limit;
  impl_->starts_reset_at = Clock::now() + limit.reset_after;
}
void Simulator::drop_member_chunks(std::vector<int> chunk_indexes, int requests) {
  std::lock_guard lock(impl_->chunk_drop_mu);
  impl_->chunk_drop.indexes = {chunk_indexes.begin(), chunk_indexes.end()};
  impl_->chunk_drop.requests = requests;
}
std::uint64_t Simulator::dropped_member_chunks() const {
  return impl_->dropped_chunks;
}
SessionStartLimit Simulator::session_start_limit() const {
  std::lock_guard lock(impl_->starts_mu);
  return impl_->current_session_starts(Clock::now());
}

void Simulator::fail_next_rest(int n, int status, double retry_after, std::string scope,
                               std::string path_prefix) {
  std::lock_guard lock(impl_->rest_mu);
  impl_->failures.push_back(
      RestFailure{n, status, retry_after, std::move(scope), std::move(path_prefix)});
}

void Simulator::close_next_rest_without_answer(int n) {
  impl_->close_without_answer = n;
}

bool Simulator::Impl::take_close_without_answer() {
  int n = close_without_answer.load();
  while (n > 0 && !close_without_answer.compare_exchange_weak(n, n - 1)) {
  }
  return n > 0;
}

json::object Simulator::deliver_interaction(json::object interaction) {
  auto& o = impl_->opt;
  if (!interaction.contains("id")) interaction["id"] = to_string(impl_->next_snowflake());
  if (!interaction.contains("token")) {
    interaction["token"] = "sim-interaction-" + impl_->new_session_id();
  }
  if (!interaction.contains("application_id"))
    interaction["application_id"] = to_string(o.application_id);
  if (!interaction.contains("version")) interaction["version"] = 1;
  Snowflake id = 0;
  if (const auto& v = interaction["id"]; v.is_string()) {
    id = parse_wire_snowflake(v.as_string()).value_or(0);
  }
  const auto& tok = interaction["token"];
  std::string token = tok.is_string() ? std::string(tok.as_string()) : std::string{};
  {
    std::lock_guard lock(impl_->rest_mu);
    // Interaction tokens expire after 15 minutes on Discord; forget them then.
    const auto now = Clock::now();
    std::erase_if(impl_->interactions, [&](const auto& kv) {
      return now - kv.second.created > std::chrono::minutes(15);
    });
    InteractionState st;
    st.id = id;
    st.created = Clock::now();
    impl_->interactions[token] = std::move(st);
  }
  impl_->post_broadcast("INTERACTION_CREATE", json::serialize(interaction), 0);
  return interaction;
}

std::vector<InteractionCallback> Simulator::interaction_callbacks() const {
  std::lock_guard lock(impl_->rest_mu);
  return impl_->callbacks;
}

std::optional<json::object> Simulator::original_message(const std::string& token) const {
  std::lock_guard lock(impl_->rest_mu);
  auto it = impl_->interactions.find(token);
  if (it == impl_->interactions.end()) return std::nullopt;
  return it->second.original;
}

std::vector<json::object> Simulator::followup_messages(const std::string& token) const {
  std::lock_guard lock(impl_->rest_mu);
  auto it = impl_->interactions.find(token);
  if (it == impl_->interactions.end()) return {};
  return it->second.followups;
}

json::array Simulator::commands(Snowflake guild_id) const {
  std::lock_guard lock(impl_->rest_mu);
  json::array out;
  if (auto it = impl_->commands.find(guild_id); it != impl_->commands.end()) {
    for (const auto& c : it->second) out.push_back(c);
  }
  return out;
}

std::vector<GatewayRecord> Simulator::gateway_records() const {
  std::lock_guard lock(impl_->rec_mu);
  return {impl_->gateway_records.begin(), impl_->gateway_records.end()};
}

std::vector<RestRecord> Simulator::rest_records() const {
  std::lock_guard lock(impl_->rec_mu);
  return {impl_->rest_records.begin(), impl_->rest_records.end()};
}

void Simulator::clear_records() {
  std::lock_guard lock(impl_->rec_mu);
  impl_->gateway_records.clear();
  impl_->rest_records.clear();
}

std::size_t Simulator::connection_count() const {
  return impl_->open_connections;
}
std::size_t Simulator::total_connections() const {
  return impl_->accepted_connections;
}
std::size_t Simulator::accepted_tcp_connections() const {
  return impl_->accepted_tcp;
}
std::size_t Simulator::open_http_connections() const {
  return impl_->open_http;
}
std::size_t Simulator::identified_count() const {
  return impl_->identified;
}
std::uint64_t Simulator::dispatches_sent() const {
  return impl_->dispatches;
}

bool Simulator::wait_for(const std::function<bool()>& pred,
                         std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::uint64_t seen;
    {
      std::lock_guard lock(impl_->wait_mu);
      seen = impl_->generation;
    }
    if (pred()) return true;
    std::unique_lock lock(impl_->wait_mu);
    if (!impl_->wait_cv.wait_until(lock, deadline, [&] { return impl_->generation != seen; })) {
      lock.unlock();
      return pred();
    }
  }
}

}  // namespace lantern::sim
