// The payloads Lantern sends to the gateway (client -> server), serialised to
// JSON text. Decoding of server payloads lives in wire_decode.h.
//
// Every builder returns compact JSON; callers must still check the 4096-byte
// limit (kMaxClientPayloadBytes) before sending, since token and activity text
// come from configuration.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/snowflake.h"

namespace lantern::discord {

inline constexpr std::size_t kMaxClientPayloadBytes = 4096;

struct IdentifyParams {
  std::string token;  // raw token, without "Bot "
  std::uint32_t intents = 0;
  int large_threshold = 250;
  // Custom status text shown under the bot; empty = no activity.
  std::string activity_text;
};

// op 1: `seq` is the last non-null dispatch sequence, nullopt before the first.
std::string heartbeat_payload(std::optional<std::int64_t> seq);
// op 2 (properties os/browser/device, compress false, shard [0,1]).
std::string identify_payload(const IdentifyParams& params);
// op 6.
std::string resume_payload(std::string_view token, std::string_view session_id, std::int64_t seq);
// op 8: every member of the guild with presences (query "", limit 0).
std::string request_members_payload(Snowflake guild_id, std::string_view nonce);
// op 3: online, with a custom status activity carrying `text` (none when empty).
std::string presence_update_payload(std::string_view text);

}  // namespace lantern::discord
