#include "discord/gateway_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <deque>
#include <mutex>
#include <random>

#include "discord/backoff.h"
#include "discord/close_codes.h"
#include "discord/endpoint.h"
#include "discord/gateway_payloads.h"
#include "discord/gateway_socket.h"
#include "discord/rest_client.h"
#include "discord/send_limiter.h"
#include "discord/wire_decode.h"
#include "discord/zlib_inflater.h"

namespace lantern::discord {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Our close code when we leave a session we mean to resume (not 1000/1001,
// which would end the session on Discord's side).
constexpr std::uint16_t kResumableCloseCode = 4900;
constexpr std::uint16_t kEndSessionCloseCode = 1000;
constexpr std::size_t kMaxDeferredSends = 256;
// Shortest wait for an exhausted session start limit, whatever reset_after says.
constexpr std::int64_t kMinStartLimitWait = 1000;

std::optional<std::int64_t> json_int(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  boost::system::error_code ec;
  const auto number = value->to_number<std::int64_t>(ec);
  return ec ? std::nullopt : std::optional<std::int64_t>(number);
}

std::optional<double> json_double(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  boost::system::error_code ec;
  const auto number = value->to_number<double>(ec);
  return ec ? std::nullopt : std::optional<double>(number);
}

std::string json_text(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

std::string gateway_target(const Endpoint& endpoint, bool compress) {
  const std::string query =
      std::string("?v=10&encoding=json") + (compress ? "&compress=zlib-stream" : "");
  return endpoint.path.empty() ? "/" + query : endpoint.path + query;
}

Snowflake event_guild(const GatewayEvent& event) {
  return std::visit(
      [](const auto& e) -> Snowflake {
        if constexpr (requires { e.guild_id; }) {
          return e.guild_id;
        } else {
          return 0;
        }
      },
      event);
}

}  // namespace

class GatewayClient::Impl : public std::enable_shared_from_this<GatewayClient::Impl> {
 public:
  Impl(asio::any_io_executor executor, GatewayOptions options, RestClient& rest,
       GatewayEventSink& sink)
      : executor_(std::move(executor)),
        options_(std::move(options)),
        rest_(rest),
        sink_(sink),
        rng_(options_.random_seed != 0 ? options_.random_seed : std::random_device{}()),
        presence_limiter_(static_cast<std::size_t>(options_.presence_limit),
                          options_.presence_window, 0),
        reconnect_timer_(executor_),
        identify_timer_(executor_),
        presence_timer_(executor_),
        members_timer_(executor_),
        sync_watchdog_(executor_),
        presence_text_(options_.activity_text) {
    tls_ = make_tls_client_context(options_.tls);
  }

  // ---- public entry points (any thread) ------------------------------------

  void start() {
    asio::post(executor_, [self = shared_from_this()] { self->start_on_strand(); });
  }

  void stop(bool keep_session) {
    asio::post(executor_,
               [self = shared_from_this(), keep_session] { self->stop_on_strand(keep_session); });
  }

  void update_presence(std::string text) {
    asio::post(executor_, [self = shared_from_this(), text = std::move(text)]() mutable {
      self->presence_text_ = std::move(text);
      self->presence_dirty_ = true;
      self->flush_presence();
    });
  }

  GatewayStatus status() const {
    std::lock_guard lock(mutex_);
    return status_;
  }

  std::optional<ResumableSession> session() const {
    std::lock_guard lock(mutex_);
    return published_session_;
  }

 private:
  enum class Mode { kIdentify, kResume };

  // One WebSocket connection and everything that lives exactly as long as it.
  struct Connection {
    Connection(asio::any_io_executor executor, const GatewayOptions& options)
        : heartbeat_timer(executor),
          flush_timer(executor),
          sends(static_cast<std::size_t>(options.send_limit), options.send_window,
                static_cast<std::size_t>(options.heartbeat_reserve)) {}

    std::shared_ptr<GatewaySocket> socket;
    Mode mode = Mode::kIdentify;
    std::unique_ptr<ZlibStreamInflater> inflater;
    std::string message;             // raw bytes of the message being read
    std::string payload;             // inflated payload
    PayloadParser parser;            // arena reused by every payload of this connection
    std::deque<std::string> outbox;  // written one at a time
    bool writing = false;
    std::deque<std::string> deferred;  // waiting for send budget
    asio::steady_timer heartbeat_timer;
    asio::steady_timer flush_timer;
    SendLimiter sends;
    milliseconds heartbeat_interval{0};
    bool hello = false;
    bool ack_pending = false;
    bool established = false;  // READY or RESUMED seen
    Clock::time_point last_beat{};
  };
  using ConnectionPtr = std::shared_ptr<Connection>;

  struct Sync {
    bool active = false;
    bool requested = false;  // op 8 handed to a connection
    std::string nonce;
    std::vector<bool> seen;              // by chunk_index, sized at the first chunk
    int missing = -1;                    // chunks still expected; -1 before the first chunk
    int retries = 0;                     // whole-list re-requests after a stall
    Clock::time_point stall_deadline{};  // no new chunk by then = stalled
  };

  // ---- lifecycle -------------------------------------------------------------

  void start_on_strand() {
    if (started_) return;
    started_ = true;
    set_status([](GatewayStatus& s) { s.running = true; });
    if (options_.resume && !options_.resume->session_id.empty()) {
      session_ = *options_.resume;
      last_seq_ = session_.seq;
      publish_session();
      spdlog::info("gateway: resuming saved session");
      connect(Mode::kResume);
    } else {
      discover();
    }
  }

  void stop_on_strand(bool keep_session) {
    if (stopped_) return;
    stopped_ = true;
    for (auto* timer : {&reconnect_timer_, &identify_timer_, &presence_timer_, &members_timer_,
                        &sync_watchdog_}) {
      timer->cancel();
    }
    if (current_) teardown(keep_session ? kResumableCloseCode : kEndSessionCloseCode);
    if (!keep_session) clear_session();
    set_status([](GatewayStatus& s) {
      s.running = false;
      s.waiting_for_session_start = false;
    });
  }

  void fail_fatal(const std::string& message) {
    spdlog::critical("gateway: {} (not retrying)", message);
    stop_on_strand(false);
    set_status([&](GatewayStatus& s) { s.fatal_error = message; });
    sink_.on_fatal(message);
  }

  // ---- discovery -------------------------------------------------------------

  void discover() {
    RestRequest request;
    request.path = "/gateway/bot";
    rest_.request(std::move(request), [self = shared_from_this()](RestResult result) {
      asio::post(self->executor_, [self, result = std::move(result)]() mutable {
        self->on_discovered(std::move(result));
      });
    });
  }

  void on_discovered(RestResult result) {
    if (stopped_) return;
    if (result.status == 401) {
      return fail_fatal("GET /gateway/bot answered 401: the bot token is invalid");
    }
    boost::system::error_code ec;
    const json::value body = result.ok() ? json::parse(result.body, ec) : json::value();
    if (!result.ok() || ec || !body.is_object() || json_text(body.as_object(), "url").empty()) {
      const auto delay = next_failure_delay();
      spdlog::warn("gateway: discovery failed ({}); retrying in {} ms",
                   result.ok() ? "unexpected body" : result.error, delay.count());
      return after(reconnect_timer_, delay, [this] { discover(); });
    }
    const json::object& object = body.as_object();
    gateway_url_ = json_text(object, "url");
    if (const json::value* limit = object.if_contains("session_start_limit");
        limit != nullptr && limit->is_object()) {
      starts_remaining_ = json_int(limit->as_object(), "remaining");
      if (starts_remaining_ && *starts_remaining_ <= 0) {
        // Identifying with no start left would be refused (and exhausting the
        // limit can reset the token): wait for the window to reset, then ask
        // again. The floor keeps a server answering 0 ms from spinning us.
        const auto reset_after = std::max<std::int64_t>(
            json_int(limit->as_object(), "reset_after").value_or(60000), kMinStartLimitWait);
        spdlog::warn(
            "gateway: session start limit exhausted (0 of {} left); waiting {:.1f} s for it to "
            "reset before identifying",
            json_int(limit->as_object(), "total").value_or(0),
            static_cast<double>(reset_after) / 1000.0);
        set_status([](GatewayStatus& s) { s.waiting_for_session_start = true; });
        return after(reconnect_timer_, milliseconds(reset_after), [this] {
          set_status([](GatewayStatus& s) { s.waiting_for_session_start = false; });
          discover();
        });
      }
    }
    connect(Mode::kIdentify);
  }

  // ---- connecting ------------------------------------------------------------

  void connect(Mode mode) {
    if (stopped_) return;
    if (mode == Mode::kResume && session_.session_id.empty()) mode = Mode::kIdentify;
    const std::string& url =
        mode == Mode::kResume && !session_.resume_url.empty() ? session_.resume_url : gateway_url_;
    if (url.empty()) return discover();
    std::string error;
    auto endpoint = parse_endpoint(url, &error);
    if (!endpoint) {
      spdlog::warn("gateway: bad gateway URL ({}); rediscovering", error);
      gateway_url_.clear();
      return after(reconnect_timer_, next_failure_delay(), [this] { discover(); });
    }
    auto connection = std::make_shared<Connection>(executor_, options_);
    connection->mode = mode;
    if (options_.compress) {
      connection->inflater = std::make_unique<ZlibStreamInflater>(options_.max_payload_bytes);
    }
    connection->socket = GatewaySocket::make(
        executor_, *endpoint, endpoint->tls ? tls_.get() : nullptr, options_.max_message_bytes);
    current_ = connection;
    set_status([](GatewayStatus& s) { ++s.connections; });
    spdlog::info("gateway: connecting to {} to {}", url,
                 mode == Mode::kResume ? "resume" : "identify");
    connection->socket->connect(
        *endpoint, gateway_target(*endpoint, options_.compress), user_agent(),
        [self = shared_from_this(), connection](boost::system::error_code ec) {
          self->on_connected(connection, ec);
        });
  }

  void on_connected(const ConnectionPtr& connection, boost::system::error_code ec) {
    if (connection != current_ || stopped_) return;
    if (ec) {
      spdlog::warn("gateway: connect failed: {}", ec.message());
      return connection_ended(connection, ec);
    }
    set_status([](GatewayStatus& s) { s.connected = true; });
    read(connection);
  }

  void read(const ConnectionPtr& connection) {
    connection->message.clear();
    connection->socket->read(connection->message, [self = shared_from_this(), connection](
                                                      boost::system::error_code ec, bool binary) {
      self->on_read(connection, ec, binary);
    });
  }

  void on_read(const ConnectionPtr& connection, boost::system::error_code ec, bool binary) {
    if (connection != current_ || stopped_) return;
    if (ec) return connection_ended(connection, ec);
    if (binary && connection->inflater) {
      switch (connection->inflater->feed(connection->message, connection->payload)) {
        case ZlibStreamInflater::Result::kNeedMore:
          return read(connection);
        case ZlibStreamInflater::Result::kError:
          spdlog::warn("gateway: {}; reconnecting", connection->inflater->error());
          return drop_and_reconnect(CloseAction::kResume);
        case ZlibStreamInflater::Result::kPayload:
          handle_payload(connection, connection->payload);
          break;
      }
    } else {
      handle_payload(connection, connection->message);
    }
    if (connection == current_ && !stopped_) read(connection);
  }

  // The connection ended from the other side (close frame, network error).
  void connection_ended(const ConnectionPtr& connection, boost::system::error_code ec) {
    CloseAction action = CloseAction::kResume;
    std::string why = "connection lost: " + ec.message();
    if (connection->socket->is_close(ec)) {
      const std::uint16_t code = connection->socket->server_close_code();
      action = classify_close_code(code);
      why = describe_close_code(code);
    }
    spdlog::warn("gateway: {}", why);
    teardown(std::nullopt);
    after_disconnect(action, why);
  }

  // We end the connection (zombie, op 7, op 9, corrupt stream).
  void drop_and_reconnect(CloseAction action) {
    teardown(kResumableCloseCode);
    after_disconnect(action, "");
  }

  void teardown(std::optional<std::uint16_t> close_code) {
    ConnectionPtr connection = std::move(current_);
    current_.reset();
    if (!connection) return;
    connection->heartbeat_timer.cancel();
    connection->flush_timer.cancel();
    identify_timer_.cancel();
    if (!connection->established) ++failures_;
    if (close_code) {
      connection->socket->close(*close_code);
    } else {
      connection->socket->abort();
    }
    set_status([](GatewayStatus& s) {
      s.connected = false;
      s.heartbeat_latency.reset();
    });
  }

  void after_disconnect(CloseAction action, const std::string& why) {
    if (stopped_) return;
    if (action == CloseAction::kFatal) return fail_fatal(why);
    if (action == CloseAction::kReidentify) clear_session();
    const Mode mode = session_.session_id.empty() ? Mode::kIdentify : Mode::kResume;
    const auto delay = next_failure_delay();
    if (delay.count() > 0) spdlog::info("gateway: reconnecting in {} ms", delay.count());
    after(reconnect_timer_, delay, [this, mode] { connect(mode); });
  }

  // The first reconnect after a healthy connection is immediate; repeated
  // failures back off exponentially with jitter.
  milliseconds next_failure_delay() {
    if (failures_ == 0) return milliseconds(0);
    return backoff_delay(failures_ - 1, options_.backoff_base, options_.backoff_cap, rng_);
  }

  // ---- payloads ----------------------------------------------------------------

  void handle_payload(const ConnectionPtr& connection, const std::string& text) {
    // The connection's arena-reusing PayloadParser: the envelope's data is only
    // valid until the next payload, and everything below uses it synchronously
    // (decoders copy out; nothing keeps a json::value of it).
    auto envelope = connection->parser.parse(text);
    if (!envelope) {
      spdlog::warn("gateway: ignoring a payload: {}", envelope.error);
      return;
    }
    switch (envelope->op) {
      case 0:
        if (envelope->seq) {
          last_seq_ = *envelope->seq;
          publish_seq();
        }
        return on_dispatch(connection, envelope->type, envelope->data);
      case 1:
        return send_heartbeat(connection);
      case 7:
        spdlog::info("gateway: server asked to reconnect (op 7)");
        return drop_and_reconnect(CloseAction::kResume);
      case 9:
        return on_invalid_session(envelope->data.is_bool() && envelope->data.as_bool());
      case 10:
        return on_hello(connection, envelope->data);
      case 11:
        return on_heartbeat_ack(connection);
      default:
        return;
    }
  }

  void on_hello(const ConnectionPtr& connection, const json::value& data) {
    const auto hello = decode_hello(data);
    if (!hello || hello->heartbeat_interval_ms <= 0) {
      spdlog::warn("gateway: bad HELLO ({}); reconnecting", hello.error);
      return drop_and_reconnect(CloseAction::kResume);
    }
    const std::int64_t interval = hello->heartbeat_interval_ms;
    connection->hello = true;
    connection->heartbeat_interval = milliseconds(interval);
    std::uniform_real_distribution<double> jitter(0.0, 1.0);
    schedule_heartbeat(
        connection,
        milliseconds(static_cast<std::int64_t>(static_cast<double>(interval) * jitter(rng_))));
    if (connection->mode == Mode::kResume && !session_.session_id.empty()) {
      send(connection, resume_payload(options_.token, session_.session_id, last_seq_.value_or(0)),
           true);
    } else {
      identify(connection);
    }
  }

  void identify(const ConnectionPtr& connection) {
    if (starts_remaining_ && *starts_remaining_ <= 0) {
      spdlog::warn("gateway: no session starts left; rediscovering before identifying");
      teardown(kResumableCloseCode);
      return discover();
    }
    const auto now = Clock::now();
    const auto earliest = last_identify_ + options_.identify_interval;
    if (last_identify_ != Clock::time_point{} && earliest > now) {
      identify_timer_.expires_at(earliest);
      identify_timer_.async_wait(
          [self = shared_from_this(), connection](boost::system::error_code ec) {
            if (!ec && connection == self->current_ && !self->stopped_) self->identify(connection);
          });
      return;
    }
    last_identify_ = now;
    if (starts_remaining_) --*starts_remaining_;
    last_seq_.reset();
    IdentifyParams params{options_.token, options_.intents, options_.large_threshold,
                          presence_text_};
    presence_dirty_ = false;
    set_status([](GatewayStatus& s) { ++s.identifies; });
    spdlog::info("gateway: identifying");
    send(connection, identify_payload(params), true);
  }

  void on_invalid_session(bool resumable) {
    if (resumable && !session_.session_id.empty()) {
      spdlog::info("gateway: invalid session (resumable); resuming");
      return drop_and_reconnect(CloseAction::kResume);
    }
    spdlog::info("gateway: invalid session; identifying again");
    clear_session();
    teardown(kResumableCloseCode);
    std::uniform_int_distribution<std::int64_t> wait(options_.invalid_session_min_wait.count(),
                                                     options_.invalid_session_max_wait.count());
    after(reconnect_timer_, milliseconds(wait(rng_)), [this] { connect(Mode::kIdentify); });
  }

  // ---- heartbeats ----------------------------------------------------------------

  void schedule_heartbeat(const ConnectionPtr& connection, milliseconds delay) {
    connection->heartbeat_timer.expires_after(delay);
    connection->heartbeat_timer.async_wait(
        [self = shared_from_this(), connection](boost::system::error_code ec) {
          if (ec || connection != self->current_ || self->stopped_) return;
          self->on_heartbeat_due(connection);
        });
  }

  void on_heartbeat_due(const ConnectionPtr& connection) {
    if (connection->ack_pending) {
      spdlog::warn("gateway: no heartbeat ACK since the last beat (zombie connection); resuming");
      return drop_and_reconnect(CloseAction::kResume);
    }
    connection->ack_pending = true;
    send_heartbeat(connection);
    schedule_heartbeat(connection, connection->heartbeat_interval);
  }

  void send_heartbeat(const ConnectionPtr& connection) {
    connection->last_beat = Clock::now();
    send(connection, heartbeat_payload(last_seq_), true);
  }

  void on_heartbeat_ack(const ConnectionPtr& connection) {
    connection->ack_pending = false;
    const auto latency =
        std::chrono::duration_cast<milliseconds>(Clock::now() - connection->last_beat);
    if (connection->established) failures_ = 0;  // a healthy, acknowledged session
    set_status([latency](GatewayStatus& s) { s.heartbeat_latency = latency; });
  }

  // ---- dispatches ------------------------------------------------------------------

  void on_dispatch(const ConnectionPtr& connection, const std::string& name,
                   const json::value& data) {
    if (name == "READY") return on_ready(connection, data);
    if (name == "RESUMED") return on_resumed(connection);
    if (name == "RATE_LIMITED") return on_rate_limited(data);
    if (name == "INTERACTION_CREATE") {
      if (data.is_object()) sink_.on_interaction(data.as_object());
      return;
    }
    if (name == "GUILD_CREATE") return on_guild_create(data);
    if (!is_store_event(name)) return;
    auto event = decode_store_event(name, data);
    if (!event) {
      spdlog::warn("gateway: dropping {}: {}", name, event.error);
      return;
    }
    const Snowflake guild = event_guild(*event);
    if (guild != 0 && guild != options_.base_guild_id) return;
    // The sink takes the event; keep what the chunk bookkeeping needs first.
    std::optional<presence::MembersChunk> chunk_position;
    if (const auto* chunk = std::get_if<presence::MembersChunk>(&*event)) {
      chunk_position.emplace();
      chunk_position->guild_id = chunk->guild_id;
      chunk_position->chunk_index = chunk->chunk_index;
      chunk_position->chunk_count = chunk->chunk_count;
      chunk_position->nonce = chunk->nonce;
    }
    sink_.on_event(std::move(*event));
    if (chunk_position) on_chunk(*chunk_position);
  }

  void on_ready(const ConnectionPtr& connection, const json::value& data) {
    auto ready = decode_ready(data);
    if (!ready) {
      spdlog::warn("gateway: bad READY ({}); identifying again", ready.error);
      return drop_and_reconnect(CloseAction::kReidentify);
    }
    connection->established = true;
    session_.session_id = ready->session_id;
    session_.resume_url = ready->resume_gateway_url.value_or(gateway_url_);
    session_.seq = last_seq_.value_or(0);
    publish_session();
    ReadyInfo info;
    info.session_id = session_.session_id;
    info.bot_user_id = ready->user_id;
    info.application_id = ready->application_id.value_or(0);
    spdlog::info("gateway: READY (session established)");
    sink_.on_ready(info);
    flush_presence();
  }

  void on_resumed(const ConnectionPtr& connection) {
    connection->established = true;
    set_status([](GatewayStatus& s) { ++s.resumes; });
    spdlog::info("gateway: RESUMED");
    sink_.on_resumed();
    if (!sync_.active && !synced_once_) {
      // A session saved by a previous process (graceful restart): Discord
      // replays only what this process missed, not the guild, so ask for
      // every member as a cold start would (no GUILD_CREATE comes).
      spdlog::info("gateway: resumed without member state; requesting a full member sync");
      begin_sync();
      request_members();
    } else if (sync_.active && !sync_.requested) {
      // A member request that never left (the connection dropped first) is sent now.
      request_members();
    }
    flush_presence();
  }

  void begin_sync() {
    sync_watchdog_.cancel();
    sync_ = Sync{};
    sync_.active = true;
    set_status([](GatewayStatus& s) { s.syncing = true; });
    sink_.on_sync_begin();
  }

  void on_guild_create(const json::value& data) {
    auto guild = decode_guild_create(data);
    if (!guild) {
      spdlog::warn("gateway: dropping GUILD_CREATE: {}", guild.error);
      return;
    }
    if (guild->guild_id != options_.base_guild_id) return;
    // Every GUILD_CREATE of the base guild (after IDENTIFY, or when the guild
    // becomes available again) starts a full member sync.
    begin_sync();
    sink_.on_event(GatewayEvent(std::move(*guild)));
    request_members();
  }

  void request_members() {
    sync_.nonce = "lantern-" + std::to_string(++nonce_counter_);
    sync_.seen.clear();
    sync_.missing = -1;
    sync_.requested =
        current_ != nullptr &&
        send(current_, request_members_payload(options_.base_guild_id, sync_.nonce), false);
    if (sync_.requested) {
      set_status([](GatewayStatus& s) { ++s.member_requests; });
      arm_sync_watchdog();
    }
  }

  // (Re)starts the stall timer: called when a request is sent and on every new chunk.
  void arm_sync_watchdog() {
    sync_.stall_deadline = Clock::now() + options_.member_chunk_timeout;
    sync_watchdog_.expires_at(sync_.stall_deadline);
    sync_watchdog_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      // A completion queued before a re-arm runs too: the deadline tells.
      if (ec || self->stopped_ || Clock::now() < self->sync_.stall_deadline) return;
      self->on_sync_stalled();
    });
  }

  void on_sync_stalled() {
    if (!sync_.active || !sync_.requested) return;
    const auto received = std::count(sync_.seen.begin(), sync_.seen.end(), true);
    const auto expected = sync_.seen.size();
    set_status([](GatewayStatus& s) { ++s.member_sync_stalls; });
    if (!current_ || !current_->established) {
      // Disconnected: the resume (or the new session) asks again.
      sync_.requested = false;
      return;
    }
    if (sync_.retries < options_.member_sync_retries) {
      ++sync_.retries;
      spdlog::warn(
          "gateway: member sync stalled ({} of {} chunks, nothing new for {} ms); requesting "
          "every member again (retry {} of {})",
          received, expected == 0 ? std::string("?") : std::to_string(expected),
          options_.member_chunk_timeout.count(), sync_.retries, options_.member_sync_retries);
      return request_members();
    }
    ++sync_reidentifies_;
    const auto delay = sync_reidentifies_ <= 1
                           ? milliseconds(0)
                           : backoff_delay(sync_reidentifies_ - 2, options_.backoff_base,
                                           options_.backoff_cap, rng_);
    spdlog::error(
        "gateway: member sync still incomplete after {} re-requests ({} of {} chunks); ending "
        "the session and identifying again in {} ms",
        sync_.retries, received, expected == 0 ? std::string("?") : std::to_string(expected),
        delay.count());
    clear_session();
    teardown(kEndSessionCloseCode);
    after(reconnect_timer_, delay, [this] { connect(Mode::kIdentify); });
  }

  void on_chunk(const presence::MembersChunk& chunk) {
    if (!sync_.active || chunk.nonce != sync_.nonce) return;
    const int count = std::max(chunk.chunk_count, 1);
    if (sync_.missing < 0) {
      sync_.seen.assign(static_cast<std::size_t>(count), false);
      sync_.missing = count;
    }
    if (chunk.chunk_index < 0 || chunk.chunk_index >= static_cast<int>(sync_.seen.size())) return;
    if (sync_.seen[static_cast<std::size_t>(chunk.chunk_index)]) return;
    sync_.seen[static_cast<std::size_t>(chunk.chunk_index)] = true;
    if (--sync_.missing > 0) return arm_sync_watchdog();
    sync_watchdog_.cancel();
    sync_ = Sync{};
    sync_reidentifies_ = 0;
    set_status([](GatewayStatus& s) {
      s.syncing = false;
      s.synced = true;
    });
    synced_once_ = true;
    spdlog::info("gateway: member sync of the base guild complete");
    sink_.on_sync_end();
  }

  void on_rate_limited(const json::value& data) {
    if (!data.is_object()) return;
    const json::object& limited = data.as_object();
    if (json_int(limited, "opcode") != 8 || !sync_.active) return;
    const double retry_after = json_double(limited, "retry_after").value_or(30.0);
    const auto wait = milliseconds(static_cast<std::int64_t>(retry_after * 1000.0) + 1);
    spdlog::info("gateway: member request rate limited; retrying in {} ms", wait.count());
    sync_.requested = false;
    sync_watchdog_.cancel();
    after(members_timer_, wait, [this] {
      if (sync_.active) request_members();
    });
  }

  // ---- sending ---------------------------------------------------------------------

  // Queues `payload` on the connection within the send budget. Returns false when
  // it was dropped (too large, or no budget even for priority traffic).
  bool send(const ConnectionPtr& connection, std::string payload, bool priority) {
    if (payload.size() > kMaxClientPayloadBytes) {
      spdlog::error("gateway: not sending a {}-byte payload (limit {})", payload.size(),
                    kMaxClientPayloadBytes);
      return false;
    }
    const auto now = Clock::now();
    if (!priority && !connection->deferred.empty()) {
      return defer(connection, std::move(payload));
    }
    if (!connection->sends.allows(now, priority)) {
      if (priority) {
        spdlog::error("gateway: send budget exhausted even for heartbeats; dropping a payload");
        return false;
      }
      return defer(connection, std::move(payload));
    }
    connection->sends.record(now);
    connection->outbox.push_back(std::move(payload));
    write_next(connection);
    return true;
  }

  bool defer(const ConnectionPtr& connection, std::string payload) {
    if (connection->deferred.size() >= kMaxDeferredSends) {
      spdlog::warn("gateway: deferred send queue full; dropping a payload");
      return false;
    }
    connection->deferred.push_back(std::move(payload));
    if (connection->deferred.size() == 1) schedule_flush(connection);
    return true;
  }

  void schedule_flush(const ConnectionPtr& connection) {
    connection->flush_timer.expires_at(connection->sends.next_allowed(Clock::now(), false));
    connection->flush_timer.async_wait(
        [self = shared_from_this(), connection](boost::system::error_code ec) {
          if (ec || connection != self->current_) return;
          while (!connection->deferred.empty() && connection->sends.allows(Clock::now(), false)) {
            connection->sends.record(Clock::now());
            connection->outbox.push_back(std::move(connection->deferred.front()));
            connection->deferred.pop_front();
          }
          self->write_next(connection);
          if (!connection->deferred.empty()) self->schedule_flush(connection);
        });
  }

  void write_next(const ConnectionPtr& connection) {
    if (connection->writing || connection->outbox.empty()) return;
    connection->writing = true;
    connection->socket->write(connection->outbox.front(), [self = shared_from_this(), connection](
                                                              boost::system::error_code ec) {
      connection->writing = false;
      connection->outbox.pop_front();
      if (ec) return;  // the read side reports the broken connection
      self->write_next(connection);
    });
  }

  void flush_presence() {
    if (!presence_dirty_ || !current_ || !current_->established || stopped_) return;
    const auto now = Clock::now();
    if (!presence_limiter_.allows(now, false)) {
      presence_timer_.expires_at(presence_limiter_.next_allowed(now, false));
      presence_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->flush_presence();
      });
      return;
    }
    if (send(current_, presence_update_payload(presence_text_), false)) {
      presence_limiter_.record(now);
      presence_dirty_ = false;
    }
  }

  // ---- helpers -----------------------------------------------------------------

  template <class Fn>
  void after(asio::steady_timer& timer, milliseconds delay, Fn fn) {
    timer.expires_after(delay);
    timer.async_wait([self = shared_from_this(), fn = std::move(fn)](boost::system::error_code ec) {
      if (!ec && !self->stopped_) fn();
    });
  }

  void clear_session() {
    session_ = ResumableSession{};
    last_seq_.reset();
    publish_session();
  }

  void publish_session() {
    std::lock_guard lock(mutex_);
    if (session_.session_id.empty()) {
      published_session_.reset();
      status_.session = false;
    } else {
      published_session_ = session_;
      published_session_->seq = last_seq_.value_or(session_.seq);
      status_.session = true;
    }
  }

  template <class Fn>
  void set_status(Fn fn) {
    std::lock_guard lock(mutex_);
    fn(status_);
  }

  void publish_seq() {
    std::lock_guard lock(mutex_);
    if (published_session_ && last_seq_) published_session_->seq = *last_seq_;
  }

  std::string user_agent() const {
    return "DiscordBot (https://github.com/lantern-presence/lantern, 0.1.0)";
  }

  asio::any_io_executor executor_;
  GatewayOptions options_;
  RestClient& rest_;
  GatewayEventSink& sink_;
  std::shared_ptr<asio::ssl::context> tls_;
  std::mt19937_64 rng_;
  SendLimiter presence_limiter_;
  asio::steady_timer reconnect_timer_;
  asio::steady_timer identify_timer_;
  asio::steady_timer presence_timer_;
  asio::steady_timer members_timer_;
  asio::steady_timer sync_watchdog_;  // a member sync whose chunks stopped coming

  ConnectionPtr current_;
  bool started_ = false;
  bool stopped_ = false;
  int failures_ = 0;         // connections in a row that ended before a healthy session
  std::string gateway_url_;  // cached from /gateway/bot
  std::optional<std::int64_t> starts_remaining_;
  Clock::time_point last_identify_{};
  ResumableSession session_;
  std::optional<std::int64_t> last_seq_;
  Sync sync_;
  bool synced_once_ = false;   // a member sync completed in this process
  int sync_reidentifies_ = 0;  // sessions ended in a row because a sync never completed
  std::uint64_t nonce_counter_ = 0;
  std::string presence_text_;
  bool presence_dirty_ = false;

  mutable std::mutex mutex_;  // guards status_ and published_session_ (read by any thread)
  GatewayStatus status_;
  std::optional<ResumableSession> published_session_;
};

GatewayClient::GatewayClient(boost::asio::any_io_executor executor, GatewayOptions options,
                             RestClient& rest, GatewayEventSink& sink)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), rest, sink)) {}

GatewayClient::~GatewayClient() {
  impl_->stop(true);
}

void GatewayClient::start() {
  impl_->start();
}

void GatewayClient::stop(bool keep_session) {
  impl_->stop(keep_session);
}

void GatewayClient::update_presence(std::string text) {
  impl_->update_presence(std::move(text));
}

GatewayStatus GatewayClient::status() const {
  return impl_->status();
}

std::optional<ResumableSession> GatewayClient::session() const {
  return impl_->session();
}

}  // namespace lantern::discord
