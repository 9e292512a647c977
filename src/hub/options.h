// hub::Options: every limit and timing of the /socket protocol (API.md section 3,
// config section [server.socket]). Plain values, copied into each component.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lantern::hub {

struct Options {
  // Sent in HELLO; a session silent for 1.5 x this long is disconnected (4004).
  std::int64_t heartbeat_interval_ms = 30000;
  // Time between HELLO and a successful INIT before the session is disconnected (4004).
  std::int64_t init_timeout_ms = 5000;
  // Largest inbound message in bytes; a bigger one ends the session with 1009.
  std::size_t max_payload = 8192;
  // Inbound rate: at most `inbound_rate` frames per `inbound_rate_window_ms`
  // (token bucket, so a burst of that many is fine); more ends with 4008.
  std::size_t inbound_rate = 60;
  std::int64_t inbound_rate_window_ms = 60000;
  // Users one session may be subscribed to ("All" counts as none); more: 4009.
  std::size_t max_ids_per_session = 1000;
  // Open sessions per client address; the next one gets 4009.
  std::size_t max_sessions_per_address = 256;
  // Unsent server frames one session may hold (the frame being written
  // included). Passing either bound ends the session with 4009. Frame bytes are
  // shared between sessions, so this bounds what one slow reader pins.
  std::size_t max_backlog_bytes = 1024 * 1024;
  std::size_t max_backlog_frames = 1024;
  // After a DISCONNECT, how long the close handshake may take before the TCP
  // connection is dropped (a peer that does not read never completes it).
  std::int64_t close_grace_ms = 5000;

  std::int64_t heartbeat_timeout_ms() const { return heartbeat_interval_ms * 3 / 2; }
};

}  // namespace lantern::hub
