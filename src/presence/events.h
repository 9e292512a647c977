// Typed gateway events: the vocabulary in which discord/ tells the presence
// store what happened. One struct per Discord dispatch the store cares about;
// discord/ fills them from the wire, tests and the simulator build them by hand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "presence/model.h"

namespace lantern::presence {

// A member as carried by GUILD_CREATE, GUILD_MEMBER_ADD/UPDATE and member chunks.
struct MemberEvent {
  UserPatch user;  // full user in these events, but decoded the same way
  std::optional<std::int64_t> joined_at_ms;
};

// A presence as carried by GUILD_CREATE, chunks and PRESENCE_UPDATE.
struct PresenceEvent {
  UserPatch user;  // partial: only id guaranteed
  Presence presence;
};

// GUILD_CREATE for the base guild. For large guilds `members` is partial; the
// complete list arrives as MembersChunk events.
struct GuildCreate {
  Snowflake guild_id = 0;
  bool unavailable = false;  // outage notice {id, unavailable: true}: carries no data
  std::int64_t member_count = 0;
  bool large = false;
  std::vector<MemberEvent> members;
  std::vector<PresenceEvent> presences;
};

// GUILD_MEMBERS_CHUNK (answer to op 8).
struct MembersChunk {
  Snowflake guild_id = 0;
  std::vector<MemberEvent> members;
  std::vector<PresenceEvent> presences;
  int chunk_index = 0;
  int chunk_count = 1;
  std::optional<std::string> nonce;
};

struct MemberAdd {
  Snowflake guild_id = 0;
  MemberEvent member;
};

struct MemberUpdate {
  Snowflake guild_id = 0;
  MemberEvent member;
};

struct MemberRemove {
  Snowflake guild_id = 0;
  Snowflake user_id = 0;
};

struct PresenceUpdate {
  Snowflake guild_id = 0;  // 0 when Discord left it out
  PresenceEvent presence;
};

// USER_UPDATE: only ever about the bot's own user.
struct UserUpdate {
  UserPatch user;
};

}  // namespace lantern::presence
