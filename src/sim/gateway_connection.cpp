// One gateway WebSocket connection: HELLO, heartbeats, IDENTIFY/RESUME validation with
// Discord's close codes, op 8 member chunking, zlib-stream transport compression.
#include <spdlog/spdlog.h>
#include <zlib.h>

#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "sim/sim_internal.h"

namespace lantern::sim {

namespace {

constexpr std::size_t kMaxClientPayload = 4096;
constexpr const char* kTrace = R"(["[\"gateway-prd-lantern-sim\",{\"micros\":0.0}]"])";

bool ends_session(std::uint16_t code) {
  return code == 1000 || code == 1001 || code == 4003 || code == 4004 || code == 4005 ||
         code == 4007 || code == 4009 || (code >= 4010 && code <= 4014);
}

const char* close_reason(std::uint16_t code) {
  switch (code) {
    case 4000:
      return "Unknown error.";
    case 4001:
      return "Unknown opcode.";
    case 4002:
      return "Decode error.";
    case 4003:
      return "Not authenticated.";
    case 4004:
      return "Authentication failed.";
    case 4005:
      return "Already authenticated.";
    case 4007:
      return "Invalid seq.";
    case 4008:
      return "Rate limited.";
    case 4009:
      return "Session timed out.";
    case 4010:
      return "Invalid shard.";
    case 4011:
      return "Sharding required.";
    case 4012:
      return "Invalid API version.";
    case 4013:
      return "Invalid intent(s).";
    case 4014:
      return "Disallowed intent(s).";
    default:
      return "";
  }
}

std::optional<std::int64_t> as_int(const json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v->as_uint64());
  }
  return std::nullopt;
}

bool token_matches(const json::value* v, const std::string& token) {
  if (!v || !v->is_string()) return false;
  std::string_view t = v->as_string();
  if (t.starts_with("Bot ")) t.remove_prefix(4);
  return t == token;
}

}  // namespace

// One deflate context per connection; each payload is flushed with Z_SYNC_FLUSH so that
// every message ends in 00 00 ff ff (discord-protocol 1.9).
struct GatewayConnection::Deflater {
  z_stream zs{};
  explicit Deflater(int level) {
    if (deflateInit(&zs, level) != Z_OK) throw std::runtime_error("deflateInit failed");
  }
  ~Deflater() { deflateEnd(&zs); }
  std::string compress(std::string_view in) {
    std::string out(deflateBound(&zs, in.size()) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    std::size_t produced = 0;
    for (;;) {
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
      zs.avail_out = static_cast<uInt>(out.size() - produced);
      deflate(&zs, Z_SYNC_FLUSH);
      produced = out.size() - zs.avail_out;
      if (zs.avail_out != 0) break;
      out.resize(out.size() * 2);
    }
    out.resize(produced);
    return out;
  }
};

GatewayConnection::GatewayConnection(std::shared_ptr<Simulator::Impl> sim,
                                     beast::tcp_stream&& stream, std::size_t index)
    : sim_(std::move(sim)),
      ws_(std::move(stream)),
      index_(index),
      heartbeat_timer_(ws_.get_executor()) {
  ++sim_->open_connections;
}

GatewayConnection::~GatewayConnection() {
  --sim_->open_connections;
  sim_->notify();
}

void GatewayConnection::run(http::request<http::string_body> request) {
  sim_->connections[index_] = weak_from_this();
  std::string_view target = request.target();
  if (auto url = boost::urls::parse_origin_form(target)) {
    auto params = url->params();
    auto v = params.find("v");
    bad_version_ = v == params.end() || !(*v).has_value || (*v).value != "10";
    auto c = params.find("compress");
    if (c != params.end() && (*c).value == "zlib-stream") {
      deflater_ = std::make_unique<Deflater>(sim_->opt.zlib_level);
    }
  } else {
    bad_version_ = true;
  }
  beast::get_lowest_layer(ws_).expires_never();
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "lantern-sim"); }));
  ws_.read_message_max(1 << 20);  // larger than 4096 so that we can answer 4002 ourselves
  ws_.binary(deflater_ != nullptr);
  ws_.async_accept(request,
                   [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
}

void GatewayConnection::on_accept(beast::error_code ec) {
  if (ec) return fail(ec, "accept");
  accepted_ = true;
  ++sim_->accepted_connections;
  if (sim_->opt.log) spdlog::info("sim: gateway connection {} open", index_);
  sim_->notify();
  // Faults scripted during the handshake (op 7, a close) were queued; Discord, too, may
  // send op 7 before Hello.
  send(R"({"op":10,"d":{"heartbeat_interval":)" + std::to_string(sim_->opt.heartbeat_interval_ms) +
       R"(,"_trace":)" + kTrace + R"(},"s":null,"t":null})");
  if (bad_version_) {
    close(4012, close_reason(4012));
  } else if (!pending_close_) {
    arm_heartbeat_timer();
  }
  if (!writing_) {
    if (!queue_.empty()) {
      do_write();
    } else if (pending_close_) {
      do_close();
    }
  }
  do_read();
}

// ---- reading ----------------------------------------------------------------------------

void GatewayConnection::do_read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    self->on_read(ec, n);
  });
}

void GatewayConnection::on_read(beast::error_code ec, std::size_t) {
  if (ec == websocket::error::closed) {
    const auto code = static_cast<std::uint16_t>(ws_.reason().code);
    if (sim_->opt.log)
      spdlog::info("sim: gateway connection {} closed by client ({})", index_, code);
    // A client-initiated 1000/1001 destroys the session (discord-protocol 1.7).
    if ((code == 1000 || code == 1001) && session_ && !closing_ && !pending_close_) {
      sim_->forget_session(session_->id);
    }
    return finish();
  }
  if (ec) return fail(ec, "read");
  std::string text = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  if (!closing_ && !pending_close_) handle_payload(text);
  do_read();
}

void GatewayConnection::handle_payload(const std::string& text) {
  GatewayRecord record;
  record.connection = index_;
  record.raw = text;
  json::error_code jec;
  json::value parsed = json::parse(text, jec);
  if (!jec) {
    record.payload = parsed;
    if (parsed.is_object()) {
      if (auto op = as_int(parsed.as_object().if_contains("op"))) record.op = static_cast<int>(*op);
    }
  }
  const int op = record.op;
  sim_->record_gateway(std::move(record));

  const auto now = Clock::now();
  received_at_.push_back(now);
  while (!received_at_.empty() &&
         now - received_at_.front() > std::chrono::milliseconds(sim_->opt.gateway_send_window_ms)) {
    received_at_.pop_front();
  }
  if (received_at_.size() > static_cast<std::size_t>(sim_->opt.gateway_send_limit)) {
    return close(4008, close_reason(4008));
  }
  if (text.size() > kMaxClientPayload || jec || !parsed.is_object() || op < 0) {
    return close(4002, close_reason(4002));
  }
  const json::value* d = parsed.as_object().if_contains("d");
  static const json::value kNull;
  if (!d) d = &kNull;

  switch (op) {
    case 1:
      if (sim_->ack_heartbeats) send(R"({"op":11,"d":null,"s":null,"t":null})");
      arm_heartbeat_timer();
      return;
    case 2:
      return handle_identify(*d);
    case 6:
      return handle_resume(*d);
    case 3:
    case 4:
    case 8:
    case 31:
    case 43:
      if (!session_) return close(4003, close_reason(4003));
      if (op == 3) handle_presence_update(*d);
      if (op == 8) handle_request_members(*d);
      return;
    default:
      return close(4001, close_reason(4001));
  }
}

void GatewayConnection::handle_identify(const json::value& dv) {
  if (session_) return close(4005, close_reason(4005));
  if (!dv.is_object()) return close(4002, close_reason(4002));
  const auto& d = dv.as_object();
  const auto& opt = sim_->opt;
  if (!token_matches(d.if_contains("token"), opt.token)) return close(4004, close_reason(4004));
  auto intents = as_int(d.if_contains("intents"));
  if (!intents || *intents < 0 || (static_cast<std::uint64_t>(*intents) & ~kValidIntents) != 0) {
    return close(4013, close_reason(4013));
  }
  const auto wanted = static_cast<std::uint64_t>(*intents);
  if ((wanted & kPrivilegedIntents & ~opt.allowed_privileged_intents) != 0) {
    return close(4014, close_reason(4014));
  }
  bool has_shard = false;
  bool in_shard = true;
  json::array shard_json;
  if (const auto* shard = d.if_contains("shard")) {
    if (!shard->is_array() || shard->as_array().size() != 2) return close(4010, close_reason(4010));
    auto id = as_int(&shard->as_array()[0]);
    auto n = as_int(&shard->as_array()[1]);
    if (!id || !n || *n < 1 || *id < 0 || *id >= *n) return close(4010, close_reason(4010));
    has_shard = true;
    in_shard =
        static_cast<std::int64_t>((opt.guild_id >> 22) % static_cast<std::uint64_t>(*n)) == *id;
    shard_json = {*id, *n};
  }
  int large_threshold = 50;
  if (auto lt = as_int(d.if_contains("large_threshold"))) {
    large_threshold = static_cast<int>(std::clamp<std::int64_t>(*lt, 50, 250));
  }
  if (!sim_->take_session_start()) {
    send(R"({"op":9,"d":false,"s":null,"t":null})");
    return;
  }

  sim_->prune_sessions();
  auto s = std::make_shared<GatewaySession>();
  s->id = sim_->new_session_id();
  s->intents = wanted;
  s->large_threshold = large_threshold;
  s->connection = weak_from_this();
  sim_->sessions[s->id] = s;
  session_ = s;
  ++sim_->identified;
  sim_->notify();

  json::object ready;
  ready["v"] = 10;
  ready["user_settings"] = json::object{};
  ready["user"] = sim_->bot_user();
  ready["session_type"] = "normal";
  ready["session_id"] = s->id;
  ready["resume_gateway_url"] =
      "ws://" + opt.bind + ":" + std::to_string(sim_->bound_port.load()) + "/gateway";
  ready["relationships"] = json::array{};
  ready["private_channels"] = json::array{};
  ready["presences"] = json::array{};
  json::array guilds;
  if (in_shard) {
    guilds.push_back(json::object{{"id", to_string(opt.guild_id)}, {"unavailable", true}});
  }
  ready["guilds"] = std::move(guilds);
  ready["guild_join_requests"] = json::array{};
  ready["geo_ordered_rtc_regions"] = json::array{"rotterdam", "frankfurt", "milan"};
  if (has_shard) ready["shard"] = shard_json;
  ready["application"] =
      json::object{{"id", to_string(opt.application_id)}, {"flags", opt.application_flags}};
  ready["_trace"] = json::parse(kTrace);
  sim_->dispatch_to(*s, "READY", json::serialize(ready));
  if (opt.log) spdlog::info("sim: connection {} identified, session {}", index_, s->id);

  if (in_shard && s->wants(kIntentGuilds)) {
    sim_->dispatch_to(*s, "GUILD_CREATE", sim_->guild_create_json(*s));
  }
}

void GatewayConnection::handle_resume(const json::value& dv) {
  if (session_) return close(4005, close_reason(4005));
  if (!dv.is_object()) return close(4002, close_reason(4002));
  const auto& d = dv.as_object();
  if (!token_matches(d.if_contains("token"), sim_->opt.token)) {
    return close(4004, close_reason(4004));
  }
  const auto* sid = d.if_contains("session_id");
  auto seq = as_int(d.if_contains("seq"));
  const auto* seqv = d.if_contains("seq");
  if (!sid || !sid->is_string() || (!seq && !(seqv && seqv->is_null()))) {
    return close(4002, close_reason(4002));
  }
  auto it = sim_->sessions.find(std::string(sid->as_string()));
  if (it == sim_->sessions.end()) {
    send(R"({"op":9,"d":false,"s":null,"t":null})");
    return;
  }
  std::shared_ptr<GatewaySession> s = it->second;
  const std::int64_t from = seq.value_or(0);
  const std::int64_t oldest = s->replay.empty() ? s->seq + 1 : s->replay.front().first;
  if (from > s->seq || from + 1 < oldest) {
    sim_->forget_session(s->id);
    return close(4007, close_reason(4007));
  }
  if (auto old = s->connection.lock(); old && old.get() != this) old->detach_session();
  s->connection = weak_from_this();
  session_ = s;
  ++sim_->identified;
  sim_->notify();
  for (const auto& [n, payload] : s->replay) {
    if (n > from) {
      ++sim_->dispatches;
      send(payload);
    }
  }
  sim_->dispatch_to(*s, "RESUMED", std::string(R"({"_trace":)") + kTrace + "}");
  if (sim_->opt.log)
    spdlog::info("sim: connection {} resumed session {} at {}", index_, s->id, from);
}

void GatewayConnection::handle_request_members(const json::value& dv) {
  if (!dv.is_object()) return close(4001, close_reason(4001));
  const auto& d = dv.as_object();
  const auto& opt = sim_->opt;
  const auto* gid = d.if_contains("guild_id");
  std::optional<Snowflake> guild;
  if (gid && gid->is_string()) guild = parse_wire_snowflake(gid->as_string());
  if (gid && gid->is_array() && !gid->as_array().empty() && gid->as_array()[0].is_string()) {
    guild = parse_wire_snowflake(gid->as_array()[0].as_string());
  }
  if (guild != opt.guild_id) {
    if (opt.log) spdlog::warn("sim: op 8 for an unknown guild ignored");
    return;
  }
  const bool by_ids = d.contains("user_ids");
  const auto* q = d.if_contains("query");
  const bool everyone = !by_ids && q && q->is_string() && q->as_string().empty() &&
                        as_int(d.if_contains("limit")).value_or(-1) == 0;
  if (!by_ids && !session_->wants(kIntentGuildMembers) && everyone) {
    if (opt.log) spdlog::warn("sim: op 8 for all members without GUILD_MEMBERS ignored");
    return;
  }
  if (everyone) {
    const auto now = Clock::now();
    const auto cooldown = std::chrono::milliseconds(opt.member_request_cooldown_ms);
    if (sim_->last_full_member_request && now - *sim_->last_full_member_request < cooldown) {
      const double retry =
          std::chrono::duration<double>(cooldown - (now - *sim_->last_full_member_request)).count();
      json::object meta{{"guild_id", to_string(opt.guild_id)}};
      if (const auto* n = d.if_contains("nonce")) meta["nonce"] = *n;
      json::object rl{{"opcode", 8}, {"retry_after", retry}, {"meta", std::move(meta)}};
      sim_->dispatch_to(*session_, "RATE_LIMITED", json::serialize(rl));
      return;
    }
    sim_->last_full_member_request = now;
  }
  auto session = session_;  // dispatch_to may drop us when the queue overflows
  const auto chunks = sim_->member_chunks(d, session->wants(kIntentGuildPresences));
  std::optional<std::set<int>> lose;  // set: this answer loses chunks (empty = all)
  {
    std::lock_guard lock(sim_->chunk_drop_mu);
    if (sim_->chunk_drop.requests > 0 && !chunks.empty()) {
      --sim_->chunk_drop.requests;
      lose = sim_->chunk_drop.indexes;
    }
  }
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    if (lose && (lose->empty() || lose->contains(static_cast<int>(i)))) {
      ++sim_->dropped_chunks;
      continue;
    }
    sim_->dispatch_to(*session, "GUILD_MEMBERS_CHUNK", chunks[i]);
  }
  if (lose) sim_->notify();
}

void GatewayConnection::handle_presence_update(const json::value& dv) {
  if (!dv.is_object()) return close(4001, close_reason(4001));
  json::object p = dv.as_object();
  p.erase("since");
  p.erase("afk");
  const auto bot = sim_->opt.bot_user_id;
  {
    std::lock_guard lock(sim_->state_mu);
    sim_->put_presence(bot, p);
    auto it = sim_->members.find(bot);
    if (it == sim_->members.end()) return;
    if (it->second.presence) {
      p = *it->second.presence;
    } else {
      p = json::object{{"user", json::object{{"id", to_string(bot)}}},
                       {"status", "offline"},
                       {"client_status", json::object{}},
                       {"activities", json::array{}}};
    }
  }
  sim_->notify();
  p["guild_id"] = to_string(sim_->opt.guild_id);
  sim_->broadcast("PRESENCE_UPDATE", std::make_shared<const std::string>(json::serialize(p)),
                  kIntentGuildPresences);
}

// ---- heartbeats ------------------------------------------------------------------------

void GatewayConnection::arm_heartbeat_timer() {
  const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(
      sim_->opt.heartbeat_interval_ms * sim_->opt.heartbeat_timeout_factor));
  heartbeat_timer_.expires_after(timeout);
  heartbeat_timer_.async_wait(
      [self = shared_from_this()](beast::error_code ec) { self->on_heartbeat_timeout(ec); });
}

void GatewayConnection::on_heartbeat_timeout(beast::error_code ec) {
  if (ec || finished_) return;  // re-armed or cancelled
  if (sim_->opt.log) spdlog::info("sim: connection {} missed its heartbeat", index_);
  close(4009, close_reason(4009));
}

// ---- writing ---------------------------------------------------------------------------

void GatewayConnection::send(std::shared_ptr<const std::string> payload) {
  if (finished_ || closing_ || pending_close_) return;
  if (queue_.size() >= sim_->opt.max_queued_writes) {
    if (sim_->opt.log) spdlog::warn("sim: connection {} too slow, dropped", index_);
    return drop();
  }
  if (deflater_) payload = std::make_shared<const std::string>(deflater_->compress(*payload));
  queue_.push_back(std::move(payload));
  if (!writing_ && accepted_) do_write();
}

void GatewayConnection::do_write() {
  writing_ = true;
  ws_.async_write(
      net::buffer(*queue_.front()),
      [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_write(ec, n); });
}

void GatewayConnection::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) return fail(ec, "write");
  queue_.pop_front();
  if (!queue_.empty()) return do_write();
  if (pending_close_) do_close();
}

void GatewayConnection::close(std::uint16_t code, std::string reason) {
  if (finished_ || closing_ || pending_close_) return;
  if (sim_->opt.log) spdlog::info("sim: closing connection {} with {}", index_, code);
  pending_close_.emplace(code, std::move(reason));
  if (ends_session(code) && session_) {
    sim_->forget_session(session_->id);
    detach_session();
  }
  heartbeat_timer_.cancel();
  if (!writing_ && accepted_) do_close();
}

void GatewayConnection::do_close() {
  closing_ = true;
  websocket::close_reason reason(pending_close_->first);
  reason.reason = pending_close_->second;
  ws_.async_close(reason,
                  [self = shared_from_this()](beast::error_code ec) { self->on_close(ec); });
}

void GatewayConnection::on_close(beast::error_code ec) {
  if (ec) return fail(ec, "close");
  // The pending read completes with websocket::error::closed when the peer answers.
}

void GatewayConnection::drop() {
  if (finished_) return;
  beast::error_code ec;
  auto& socket = beast::get_lowest_layer(ws_).socket();
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
  finish();
}

void GatewayConnection::detach_session() {
  if (!session_) return;
  if (session_->connection.lock().get() == this) session_->connection.reset();
  session_->detached_at = Clock::now();
  session_.reset();
  --sim_->identified;
  sim_->notify();
}

void GatewayConnection::fail(beast::error_code ec, const char* what) {
  if (sim_->opt.log && ec != net::error::operation_aborted && ec != websocket::error::closed &&
      ec != beast::error::timeout && ec != net::error::eof) {
    spdlog::info("sim: connection {} {}: {}", index_, what, ec.message());
  }
  finish();
}

void GatewayConnection::finish() {
  if (finished_) return;
  finished_ = true;
  heartbeat_timer_.cancel();
  detach_session();
  sim_->connections.erase(index_);
  beast::error_code ec;
  beast::get_lowest_layer(ws_).socket().close(ec);
  sim_->notify();
}

}  // namespace lantern::sim
