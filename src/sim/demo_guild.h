// A deterministic fake guild for `lantern demo`, tests and load runs: members with
// realistic Discord user objects (legacy and new usernames, animated/static/missing
// avatars, public flags, bots, server tags, avatar decorations) and presences (Spotify with
// several artists, games with application and mp: assets, custom statuses with unicode and
// custom emoji, several platforms), shaped like the captures in tests/fixtures/discord.
//
// Pure functions of the seed: the same options give the same members; presence
// timestamps are relative to the current time. Thread-safe
// (no shared state); the activity generators take the caller's RNG.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "util/snowflake.h"

namespace lantern::sim {

class Simulator;

struct DemoGuildOptions {
  std::size_t members = 200;
  std::uint64_t seed = 42;
  double offline_ratio = 0.3;                  // share of members without a presence
  double bot_ratio = 0.02;                     // share of members that are bots
  Snowflake guild_id = 222222222222222222ULL;  // identity guild for some server tags
};

struct DemoMember {
  Snowflake id = 0;
  boost::json::object member;                   // guild member with `user`
  std::optional<boost::json::object> presence;  // nullopt = offline
};

// The whole guild, ids ascending.
std::vector<DemoMember> make_demo_guild(const DemoGuildOptions& options);

// One member with user id `id` (used for joins).
boost::json::object make_demo_member(std::mt19937_64& rng, Snowflake id, bool bot = false);

// A non-offline presence {status, client_status, activities} for `user_id` at `now_ms`.
boost::json::object make_demo_presence(std::mt19937_64& rng, Snowflake user_id,
                                       std::int64_t now_ms);

// Single activities, for drivers that change one thing at a time.
boost::json::object make_spotify_activity(std::mt19937_64& rng, Snowflake user_id,
                                          std::int64_t now_ms);
boost::json::object make_game_activity(std::mt19937_64& rng, std::int64_t now_ms);
boost::json::object make_custom_status(std::mt19937_64& rng, std::int64_t now_ms);

// Adds every member of make_demo_guild(options) to `sim` (before or after start()).
// Returns the ids added.
std::vector<Snowflake> populate_demo_guild(Simulator& sim, const DemoGuildOptions& options);

}  // namespace lantern::sim
