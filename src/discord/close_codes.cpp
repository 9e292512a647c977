#include "discord/close_codes.h"

namespace lantern::discord {

CloseAction classify_close_code(std::uint16_t code) {
  switch (code) {
    case 4004:
    case 4010:
    case 4011:
    case 4012:
    case 4013:
    case 4014:
      return CloseAction::kFatal;
    case 1000:
    case 1001:
    case 4003:
    case 4005:
    case 4006:
    case 4007:
    case 4008:
    case 4009:
      return CloseAction::kReidentify;
    default:
      return CloseAction::kResume;
  }
}

std::string describe_close_code(std::uint16_t code) {
  const std::string prefix = "gateway close " + std::to_string(code) + ": ";
  switch (code) {
    case 1000:
    case 1001:
      return prefix + "session closed by the server";
    case 4000:
      return prefix + "unknown error";
    case 4001:
      return prefix + "unknown opcode sent (client bug)";
    case 4002:
      return prefix + "decode error: a payload the client sent was invalid (client bug)";
    case 4003:
      return prefix + "not authenticated";
    case 4004:
      return prefix + "authentication failed: the bot token is invalid (check DISCORD_BOT_TOKEN)";
    case 4005:
      return prefix + "already authenticated";
    case 4007:
      return prefix + "invalid sequence on resume";
    case 4008:
      return prefix + "rate limited: the client sent payloads too fast";
    case 4009:
      return prefix + "session timed out";
    case 4010:
      return prefix + "invalid shard";
    case 4011:
      return prefix + "sharding required: the bot is in too many guilds for one shard";
    case 4012:
      return prefix + "invalid API version";
    case 4013:
      return prefix + "invalid intents bitmask";
    case 4014:
      return prefix +
             "disallowed intents: enable the SERVER MEMBERS and PRESENCE privileged intents for "
             "the bot in the Discord Developer Portal";
    default:
      return prefix + "unexpected close";
  }
}

}  // namespace lantern::discord
