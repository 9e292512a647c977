// What the gateway client does after a connection ends, per close code
// (discord-protocol.md section 1.7).
#pragma once

#include <cstdint>
#include <string>

namespace lantern::discord {

enum class CloseAction : std::uint8_t {
  kResume,      // reconnect to resume_gateway_url and RESUME the session
  kReidentify,  // the session is gone: reconnect to the cached URL and IDENTIFY
  kFatal,       // retrying cannot help (bad token, intents, shard, version): stop
};

// The action for a close frame received from the server. Codes Discord does
// not document (including 1006-style transport codes) resume, except 1000/1001
// which mean the session was destroyed.
CloseAction classify_close_code(std::uint16_t code);

// An operator-facing sentence for a close code, e.g. for the fatal stop message.
std::string describe_close_code(std::uint16_t code);

}  // namespace lantern::discord
