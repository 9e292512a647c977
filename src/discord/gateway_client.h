// GatewayClient: Lantern's one connection to Discord's gateway (v10, one shard).
//
// It discovers the gateway through GET /gateway/bot (respecting
// session_start_limit), connects to `<url>?v=10&encoding=json&compress=zlib-stream`
// over wss:// (verified TLS) or ws:// (loopback), heartbeats with first-beat
// jitter and zombie detection, IDENTIFYs or RESUMEs, follows op 7 / op 9 and
// every close code of discord-protocol.md 1.7 (fatal codes stop the client and
// call GatewayEventSink::on_fatal), reconnects with capped exponential backoff
// and jitter, keeps under 120 sends per 60 s (with room kept for heartbeats) and
// 4096 bytes per payload, and performs the full member sync of the base guild
// (op 8 + every GUILD_MEMBERS_CHUNK, tracked by nonce and chunk index, retried
// after RATE_LIMITED, re-requested when chunks stop coming: see
// GatewayOptions::member_chunk_timeout).
//
// Threading
//  * Everything the client does runs on `executor` (pass a strand when the
//    io_context has several threads). Every GatewayEventSink call is made there,
//    so the sink may write a single-writer store directly when the store's
//    writer strand is that same executor.
//  * start(), stop(), update_presence() may be called from any thread.
//  * status() and session() may be called from any thread at any time.
//
// Lifetime: the sink and the REST client must outlive the GatewayClient's work
// on the executor: stop() is asynchronous (it runs on the executor), and sink
// calls end once it has run (status().running turns false) or the io_context
// has stopped. The destructor stops the client keeping the session resumable.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "discord/gateway_events.h"
#include "discord/tls_context.h"
#include "util/snowflake.h"

namespace lantern::discord {

class RestClient;

// GUILDS | GUILD_MEMBERS | GUILD_PRESENCES.
inline constexpr std::uint32_t kLanternIntents = 1u | 2u | 256u;

// What a graceful restart needs to resume instead of identifying again.
struct ResumableSession {
  std::string session_id;
  std::int64_t seq = 0;
  std::string resume_url;  // resume_gateway_url from READY

  bool operator==(const ResumableSession&) const = default;
};

struct GatewayOptions {
  std::string token;  // raw bot token (no "Bot " prefix)
  Snowflake base_guild_id = 0;
  std::uint32_t intents = kLanternIntents;
  int large_threshold = 250;
  bool compress = true;       // zlib-stream transport compression
  std::string activity_text;  // initial custom status; empty = none
  TlsOptions tls;             // for wss:// gateway URLs
  // Limits on what the server may send: one WebSocket message, and one payload
  // after inflation (a 250k-member GUILD_CREATE is hundreds of MB).
  std::size_t max_message_bytes = 256u * 1024 * 1024;
  std::size_t max_payload_bytes = 1024u * 1024 * 1024;
  // Reconnect backoff after consecutive failed connections.
  std::chrono::milliseconds backoff_base{1000};
  std::chrono::milliseconds backoff_cap{60000};
  // Wait before identifying after op 9 d:false (protocol guidance: 1-5 s).
  std::chrono::milliseconds invalid_session_min_wait{1000};
  std::chrono::milliseconds invalid_session_max_wait{5000};
  // Minimum spacing of IDENTIFYs (max_concurrency 1: 5 s).
  std::chrono::milliseconds identify_interval{5000};
  // Gateway send budget per connection; `heartbeat_reserve` of it only heartbeats use.
  int send_limit = 115;
  std::chrono::milliseconds send_window{60000};
  int heartbeat_reserve = 5;
  // Op 3: 5 per 20 s.
  int presence_limit = 5;
  std::chrono::milliseconds presence_window{20000};
  // Member sync watchdog. Discord occasionally loses GUILD_MEMBERS_CHUNKs and
  // has no per-chunk re-request: when the current request made no progress
  // (no new chunk) for member_chunk_timeout, every member is requested again
  // with a new nonce, at most member_sync_retries times per sync. After that
  // the client ends the session and identifies again: the new session's
  // GUILD_CREATE starts a fresh sync. It never declares a partial sync
  // complete, since completing drops every member not delivered (they would
  // appear to have left). The default equals Discord's op-8 limit (one full
  // request per 30 s), so a re-request is not rate limited; the timer counts
  // from the last progress, so big guilds are not cut short.
  std::chrono::milliseconds member_chunk_timeout{30000};
  int member_sync_retries = 3;
  // Resume this session on start instead of identifying (graceful restart).
  std::optional<ResumableSession> resume;
  std::uint64_t random_seed = 0;  // 0 = from std::random_device
};

// A snapshot for metrics, /ping and /readyz.
struct GatewayStatus {
  bool running = false;    // started and not stopped / failed fatally
  bool connected = false;  // a WebSocket is open
  bool session = false;    // a session id is held (resumable)
  bool synced = false;     // the base guild's member sync completed at least once
  bool syncing = false;    // a member sync is in progress
  // Discovery found no session starts left; waiting for reset_after to pass.
  bool waiting_for_session_start = false;
  std::optional<std::chrono::milliseconds> heartbeat_latency;  // last beat -> ACK
  std::uint64_t identifies = 0;
  std::uint64_t resumes = 0;             // RESUMED received
  std::uint64_t connections = 0;         // WebSocket connections opened
  std::uint64_t member_requests = 0;     // op 8 sent
  std::uint64_t member_sync_stalls = 0;  // watchdog expiries (chunks that never came)
  std::string fatal_error;               // set when stopped by a fatal close
};

class GatewayClient {
 public:
  // `rest` is used for GET /gateway/bot. Throws std::runtime_error when the TLS
  // options cannot be loaded.
  GatewayClient(boost::asio::any_io_executor executor, GatewayOptions options, RestClient& rest,
                GatewayEventSink& sink);
  ~GatewayClient();

  GatewayClient(const GatewayClient&) = delete;
  GatewayClient& operator=(const GatewayClient&) = delete;

  // Starts discovery and the connection loop. Call once.
  void start();

  // Closes the connection and stops reconnecting. With keep_session the close
  // code keeps the session resumable (use session() to save it); otherwise the
  // session is ended (close 1000, the bot shows offline). Idempotent.
  void stop(bool keep_session = false);

  // Sets the bot's custom status ("Monitoring N users"). Sent at once when the
  // op-3 budget (5 per 20 s) allows, else later; only the latest text is sent.
  void update_presence(std::string text);

  GatewayStatus status() const;
  // The current resumable session, if any (for saving at shutdown).
  std::optional<ResumableSession> session() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace lantern::discord
