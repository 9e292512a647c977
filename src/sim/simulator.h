// The Discord simulator: one loopback port that serves Discord's REST subset under
// `/api/v10` (plain HTTP/1.1) and the Gateway v10 WebSocket (`ws://.../gateway`), speaking
// the real wire protocol (docs: discord-protocol.md, section 9 is the checklist), so the
// very client code that talks to discord.com can be pointed at it.
//
// Threading: the Simulator owns its io_context and one I/O thread. Every public method is
// thread-safe and may be called from any thread (tests, the demo driver, the server
// process), before or after start(). Mutations made after start() are applied to the guild
// state at once and the resulting dispatches are posted to the I/O thread, so two calls
// from the same thread reach every gateway session in call order. Nothing is ever called
// back on the caller's thread; no method blocks except the wait_* helpers and stop().
//
// Lifetime: start() once, stop() once (the destructor stops). After stop() the state can
// still be read (records, members) but no connection is served.
//
// JSON arguments are Discord wire JSON (snowflakes as strings), exactly as a client
// receives it; the simulator does not validate member/presence contents beyond `user.id`.
//
// Guild model: one guild (Options::guild_id) whose members include the bot itself (added
// at construction, online), so member_count() is the number of added members + 1, as on
// Discord. GUILD_CREATE follows discord-protocol 1.10 (large_threshold, > 75,000 members
// or no GUILD_PRESENCES → only the bot); its and the chunks' presences carry no guild_id.
//
// Deliberately not simulated: zstd-stream and ETF encodings, sharding beyond checking the
// `shard` pair, the identify max_concurrency window, the op 3 limit of 5 per 20 s, closing
// the socket a few seconds after op 7, and TLS (plain ws:// and http:// only).
#pragma once

#include <boost/json/fwd.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/snowflake.h"

namespace lantern::sim {

// One client→server gateway payload, parsed, in arrival order.
struct GatewayRecord {
  std::size_t connection = 0;  // 1-based index of the WebSocket connection (in accept order)
  int op = -1;                 // `op` of the payload, -1 when it did not parse
  boost::json::value payload;  // the whole payload ({op, d}); null when it did not parse
  std::string raw;             // the text as received
  std::chrono::steady_clock::time_point at{};  // when it arrived
};

// One file part of a multipart/form-data request (`files[n]`).
struct RecordedFile {
  std::string field;         // "files[0]"
  std::string filename;      // from Content-Disposition
  std::string content_type;  // of the part, "" when absent
  std::string data;          // raw bytes
};

// One REST request and the simulator's answer, in arrival order.
struct RestRecord {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent, e.g. "/api/v10/gateway/bot?x=1"
  std::string path;    // without the query and without the "/api/v10" prefix: "/gateway/bot"
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  std::string body;                                          // raw body
  // The JSON body: parsed from an application/json body, or the `payload_json` part of a
  // multipart/form-data body. Null when there is none or it did not parse.
  boost::json::value json;
  std::vector<RecordedFile> files;  // multipart file parts
  int status = 0;                   // HTTP status the simulator answered with
  std::string response_body;
  std::chrono::steady_clock::time_point at{};  // when the answer was made (before it was written)

  // Value of the first header named `name` (case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
};

// An interaction response received on POST /interactions/{id}/{token}/callback.
struct InteractionCallback {
  Snowflake interaction_id = 0;
  std::string token;
  boost::json::value
      body;  // the interaction response ({type, data}); from payload_json if multipart
  std::vector<RecordedFile> files;
};

// `session_start_limit` of GET /gateway/bot (discord-protocol 1.1): IDENTIFYs left in the
// current window, and how long until the window resets to `total`.
struct SessionStartLimit {
  int total = 1000;
  int remaining = 1000;
  std::chrono::milliseconds reset_after{86'400'000};
  int max_concurrency = 1;
};

class Simulator {
 public:
  struct Options {
    std::string bind = "127.0.0.1";
    std::uint16_t port = 0;  // 0 = ephemeral; read the real one from port()
    Snowflake guild_id = 222222222222222222ULL;
    std::string guild_name = "Lantern Simulated Guild";
    Snowflake guild_owner_id = 333333333333333333ULL;
    Snowflake bot_user_id = 111111111111111111ULL;
    Snowflake application_id = 111111111111111111ULL;
    std::string bot_username = "lantern";
    std::string token = "sim-token";
    int heartbeat_interval_ms = 41250;
    // The server closes a connection with 4009 when no heartbeat arrived for
    // heartbeat_interval_ms * heartbeat_timeout_factor.
    double heartbeat_timeout_factor = 1.5;
    int chunk_size = 1000;  // members per GUILD_MEMBERS_CHUNK
    // Intents the application may use (the Developer Portal toggles). Privileged bits
    // requested outside this mask are closed with 4014.
    std::uint64_t allowed_privileged_intents = (1u << 1) | (1u << 8) | (1u << 15);
    // Application flags reported by READY and GET /oauth2/applications/@me
    // (GATEWAY_PRESENCE_LIMITED | GATEWAY_GUILD_MEMBERS_LIMITED by default).
    std::uint64_t application_flags = (1u << 13) | (1u << 15);
    // The session start limit: every IDENTIFY takes one start (op 9 false when none is
    // left); when the window has passed, `remaining` is back to the total and a new
    // window of session_start_window_ms begins. Scriptable with set_session_start_limit().
    int session_start_total = 1000;
    std::int64_t session_start_window_ms = 86'400'000;
    int session_start_max_concurrency = 1;   // reported only (one shard)
    int member_request_cooldown_ms = 30000;  // op 8 query:"" limit:0, per guild
    int gateway_send_limit = 120;            // client payloads per window, else 4008
    int gateway_send_window_ms = 60000;
    std::size_t replay_buffer_payloads = 4096;           // per session, oldest dropped first
    std::size_t replay_buffer_bytes = 64 * 1024 * 1024;  // per session
    std::size_t max_queued_writes = 8192;  // per connection; a slower client is dropped
    // HTTP keep-alive: a connection idle this long is closed by the server, and after
    // this many requests (0 = no limit) the answer says `Connection: close` and the
    // server closes it, as web servers do.
    int http_idle_timeout_ms = 120000;
    int http_max_requests_per_connection = 0;
    // Sessions kept for RESUME; beyond this the longest-detached one is forgotten (a
    // resume of it then gets op 9 false). Connected sessions are never evicted.
    std::size_t max_sessions = 32;
    std::size_t max_records = 100000;        // per recorder (gateway, REST); oldest dropped
    int interaction_ack_deadline_ms = 3000;  // callbacks later than this get 10062
    int zlib_level = 1;                      // deflate level for zlib-stream (1 = fastest)
    bool log = false;                        // spdlog info lines for connections and faults
  };

  explicit Simulator(Options options);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Binds, listens and starts the I/O thread. Throws std::system_error when the address
  // cannot be bound. Returns once port() is valid.
  void start();
  // Closes every connection (TCP drop), stops the I/O thread and joins it. Idempotent.
  void stop();

  const Options& options() const;
  std::uint16_t port() const;
  std::string api_base() const;     // "http://127.0.0.1:<port>/api/v10"
  std::string gateway_url() const;  // "ws://127.0.0.1:<port>/gateway" (also resume_gateway_url)

  // ---- Guild state -------------------------------------------------------------------
  // `member` is a guild member object with `user` (user.id required). Before start() it
  // only sets the initial state; afterwards it also dispatches GUILD_MEMBER_ADD (with
  // guild_id) and, when `presence` is given, a PRESENCE_UPDATE. A presence object is
  // {status, activities, client_status}; `user` and `guild_id` are filled in.
  // Returns false (and changes nothing) when user.id is missing or not a snowflake.
  bool add_member(const boost::json::object& member,
                  std::optional<boost::json::object> presence = std::nullopt);
  // GUILD_MEMBER_REMOVE {guild_id, user}. Returns false when not a member.
  bool remove_member(Snowflake user_id);
  // Replaces the member (matched by user.id) and dispatches GUILD_MEMBER_UPDATE.
  bool update_member(const boost::json::object& member);
  // Stores the presence (status "offline" = no presence) and dispatches PRESENCE_UPDATE
  // with a partial user {id} (or the `user` given in `presence`, which must carry `id`).
  bool set_presence(Snowflake user_id, const boost::json::object& presence);
  // Dispatches any event to every identified session (intent filtering applies to the
  // GUILD_MEMBER_* and PRESENCE_UPDATE names). Does not change the guild state.
  void dispatch(const std::string& event_name, const boost::json::value& d);
  std::size_t member_count() const;
  bool has_member(Snowflake user_id) const;
  std::optional<boost::json::object> member(Snowflake user_id) const;
  std::optional<boost::json::object> presence(Snowflake user_id) const;  // nullopt = offline

  // ---- Faults (apply to every current connection) ------------------------------------
  // Sends a close frame with `code` to every connection. Codes that end a session on
  // Discord (1000, 1001, 4003-4005, 4007, 4009-4014) make the session unresumable.
  void close_sessions(std::uint16_t code, std::string reason = {});
  void drop_connections();  // TCP close without a close frame; sessions stay resumable
  void send_reconnect();    // op 7
  void send_invalid_session(bool resumable);  // op 9; false also destroys the session
  void request_heartbeat();                   // server op 1
  void set_ack_heartbeats(bool ack);          // false = swallow op 1 (zombie test)
  void set_session_start_remaining(int n);    // identify with 0 left → op 9 false
  int session_start_remaining() const;
  // Replaces the whole limit: the window now resets `limit.reset_after` from now (to
  // `limit.total`, then every Options::session_start_window_ms). GET /gateway/bot
  // reports it, counting reset_after down.
  void set_session_start_limit(const SessionStartLimit& limit);
  SessionStartLimit session_start_limit() const;  // as GET /gateway/bot would report it now
  // Loses GUILD_MEMBERS_CHUNKs as Discord occasionally does: of the next `requests` op-8
  // requests that are answered with chunks, the chunks with these indexes (every chunk
  // when empty) are not sent. The others keep their chunk_index/chunk_count.
  void drop_member_chunks(std::vector<int> chunk_indexes, int requests = 1);
  std::uint64_t dropped_member_chunks() const;  // chunks lost so far

  // ---- REST faults -------------------------------------------------------------------
  // The next `n` REST requests whose path (without /api/v10) starts with `path_prefix`
  // ("" = any) are answered with `status`. For 429: body {message, retry_after, global},
  // headers Retry-After, X-RateLimit-Scope = scope ("user" | "global" | "shared") and
  // X-RateLimit-Global for scope "global". Other statuses get {"message","code":0}.
  void fail_next_rest(int n, int status = 429, double retry_after = 1.0, std::string scope = "user",
                      std::string path_prefix = {});
  // The next `n` REST requests are read and their connection closed without an answer,
  // as when a server drops a kept-alive connection just as a request arrives. They are
  // recorded with status 0 and have no effect.
  void close_next_rest_without_answer(int n);

  // ---- Interactions ------------------------------------------------------------------
  // Dispatches INTERACTION_CREATE and makes {id, token} answerable on the callback route.
  // Missing `id`, `token`, `application_id`, `version` are filled in; returns the
  // interaction as dispatched.
  boost::json::object deliver_interaction(boost::json::object interaction);
  std::vector<InteractionCallback> interaction_callbacks() const;
  // The message behind @original / follow-ups of an interaction token, as last stored.
  std::optional<boost::json::object> original_message(const std::string& token) const;
  std::vector<boost::json::object> followup_messages(const std::string& token) const;
  // Stored application commands (global when guild_id is 0), as returned by GET.
  boost::json::array commands(Snowflake guild_id = 0) const;

  // ---- Recorder and waiting ----------------------------------------------------------
  std::vector<GatewayRecord> gateway_records() const;
  std::vector<RestRecord> rest_records() const;
  void clear_records();
  std::size_t connection_count() const;          // open WebSocket connections
  std::size_t total_connections() const;         // ever accepted WebSocket connections
  std::size_t accepted_tcp_connections() const;  // ever accepted TCP connections (REST + gateway)
  std::size_t open_http_connections() const;     // open HTTP connections not upgraded to gateway
  std::size_t identified_count() const;          // connections with a READY or RESUMED session
  std::uint64_t dispatches_sent() const;         // op 0 payloads queued to connections

  // Re-evaluates `pred` whenever anything observable changes (a record, a connection, a
  // session) until it returns true (→ true) or `timeout` passes (→ false). `pred` runs on
  // the calling thread with no simulator lock held, so it may call the getters above.
  bool wait_for(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  class Impl;  // defined in sim_internal.h (Beast stays out of this header)

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace lantern::sim
