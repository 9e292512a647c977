// WebSocket close codes and DISCONNECT sentences of the /socket protocol
// (API.md section 3, "Close codes after a DISCONNECT"; docs/websocket.md).
#pragma once

#include <cstdint>
#include <string_view>

namespace lantern::hub {

enum class CloseCode : std::uint16_t {
  kNormal = 1000,          // subscription empty, or every subscribed user left
  kGoingAway = 1001,       // server shutting down
  kTooBig = 1009,          // inbound frame over max_payload
  kInvalidPayload = 4001,  // not JSON, not an object, malformed d, binary frame
  kUnknownOp = 4002,       // unknown or server-only opcode
  kNotInitialized = 4003,  // SUBSCRIBE / UNSUBSCRIBE before INIT
  kTimedOut = 4004,        // no INIT in time, or no heartbeat in 1.5 x interval
  kRateLimited = 4008,     // inbound rate limit exceeded
  kLimit = 4009,           // sessions per address, ids per session, backlog
};

constexpr std::uint16_t to_int(CloseCode code) {
  return static_cast<std::uint16_t>(code);
}

// Sentences fixed by API.md.
namespace reason {
inline constexpr std::string_view kTimedOut = "Connection timed out.";
inline constexpr std::string_view kEmptySubscription =
    "You require at least one user to be subscribed.";
inline constexpr std::string_view kNoUserLeft = "There is no user to monitor anymore.";
inline constexpr std::string_view kRestarting = "Server is restarting.";
inline constexpr std::string_view kAlreadyInitialized = "Already initialized; use SUBSCRIBE.";
// Sentences of our own (docs/websocket.md).
inline constexpr std::string_view kTooBig = "Frame is too big.";
inline constexpr std::string_view kBinary = "Binary frames are not accepted; send JSON text.";
inline constexpr std::string_view kRateLimited = "You are sending messages too fast.";
inline constexpr std::string_view kTooManySessions = "Too many sessions from your address.";
inline constexpr std::string_view kBacklog = "You are not reading your messages fast enough.";
inline constexpr std::string_view kNotInitialized = "You must send INIT first.";
inline constexpr std::string_view kAlreadyAll = "Already subscribed to All.";
}  // namespace reason

}  // namespace lantern::hub
