// The WebSocket endpoint /socket: one SocketSession per client, speaking the
// protocol of API.md section 3 through hub::Hub. Beast stays inside
// socket_session.cpp; this header is light enough to include from app/.
//
// Hand-off: the HTTP server, on an upgrade request for /socket, calls
// start_socket_session() with the connection (http/upgrade.h). The socket's
// executor must be a strand (the server accepts every connection onto its
// own strand); the session runs all its handlers there.
//
// Behaviour (docs/websocket.md): HELLO on connect; INIT within
// init_timeout_ms and HEARTBEAT within 1.5 x heartbeat_interval_ms, else 4004;
// inbound messages over max_payload -> 1009, binary -> 4001, invalid UTF-8 ->
// 1007 (Beast), over the rate -> 4008; more than max_sessions_per_address -> 4009;
// a client that lets more than max_backlog_bytes / max_backlog_frames of server
// frames pile up unsent -> 4009. `?compression=zlib_json` sends every frame as a
// binary zlib stream (compressed once per frame, shared); permessage-deflate is
// negotiated when offered, with small windows so idle sessions stay small.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "hub/address_limiter.h"
#include "hub/hub.h"

namespace lantern::http {

struct UpgradeRequest;

// Counters for metrics and tests. Updated from any session thread.
struct SocketStats {
  std::atomic<std::uint64_t> open{0};             // sessions currently connected
  std::atomic<std::uint64_t> accepted{0};         // WebSocket handshakes completed
  std::atomic<std::uint64_t> backlog_cutoffs{0};  // sessions ended for their backlog (4009)
  // Largest unsent backlog any session has held (never above the bounds):
  // frames including the one being written, bytes of the frames behind it.
  std::atomic<std::uint64_t> peak_backlog_bytes{0};
  std::atomic<std::uint64_t> peak_backlog_frames{0};
};

// What every socket session shares. Construct once per server; it must
// outlive every session (stop the io_context, or wait for stats.open == 0,
// before destroying it). Limits come from hub.options().
class SocketServices {
 public:
  explicit SocketServices(hub::Hub& hub)
      : hub_(hub), addresses_(hub.options().max_sessions_per_address) {}

  SocketServices(const SocketServices&) = delete;
  SocketServices& operator=(const SocketServices&) = delete;

  hub::Hub& hub() { return hub_; }
  const hub::Options& options() const { return hub_.options(); }
  hub::AddressLimiter& addresses() { return addresses_; }
  SocketStats& stats() { return stats_; }

  // Graceful shutdown (issue 7): every session gets DISCONNECT
  // "Server is restarting." and close 1001. Any thread.
  void disconnect_all() { hub_.shutdown(); }

 private:
  hub::Hub& hub_;
  hub::AddressLimiter addresses_;
  SocketStats stats_;
};

// Completes the WebSocket handshake on `upgrade.socket` and runs the session
// until the connection ends. Returns at once; call on the socket's strand.
void start_socket_session(UpgradeRequest&& upgrade, SocketServices& services);

}  // namespace lantern::http
