// The typed presence model: what Lantern knows about one monitored member.
//
// These are plain values with no knowledge of Discord's wire format (discord/
// decodes into them) or of Lantern's JSON (presence/render.h encodes them).
// Optional fields are std::optional: "absent" and "empty" are different facts.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/snowflake.h"

namespace lantern::presence {

enum class Status : std::uint8_t { kOffline, kOnline, kIdle, kDnd };

// "online" | "idle" | "dnd" | "offline". Discord's "invisible" (and anything
// unknown) reads as offline.
Status parse_status(std::string_view text);
std::string_view to_string(Status status);

// Activity types as Discord numbers them (0..5). Unknown numbers are kept as-is.
enum class ActivityType : int {
  kPlaying = 0,
  kStreaming = 1,
  kListening = 2,
  kWatching = 3,
  kCustom = 4,
  kCompeting = 5,
};

// The server tag a user displays (Discord's `primary_guild`), kept only when
// `identity_enabled == true` and `tag` is set.
struct ServerTag {
  Snowflake guild_id = 0;
  std::string tag;
  std::optional<std::string> badge;  // badge image hash

  bool operator==(const ServerTag&) const = default;
};

struct User {
  Snowflake id = 0;
  std::string username;
  std::string discriminator = "0";
  std::optional<std::string> global_name;
  std::optional<std::string> avatar;  // hash; "a_" prefix = animated
  bool bot = false;
  std::uint64_t public_flags = 0;
  std::optional<ServerTag> server_tag;

  bool operator==(const User&) const = default;
};

// A partial user as Discord sends it in PRESENCE_UPDATE (only `id` guaranteed):
// a field that is std::nullopt here was absent on the wire and must not change
// the stored user. For nullable fields the inner optional carries Discord's null.
struct UserPatch {
  Snowflake id = 0;
  std::optional<std::string> username;
  std::optional<std::string> discriminator;
  std::optional<std::optional<std::string>> global_name;
  std::optional<std::optional<std::string>> avatar;
  std::optional<bool> bot;
  std::optional<std::uint64_t> public_flags;
  std::optional<std::optional<ServerTag>> server_tag;

  // Copies every present field into `user`. Returns true when something changed.
  bool apply_to(User& user) const;
};

struct ActivityEmoji {
  std::string name;
  std::optional<Snowflake> id;  // custom emoji; absent for unicode emoji
  bool animated = false;

  bool operator==(const ActivityEmoji&) const = default;
};

// One asset image: the raw image string as Discord sent it ("spotify:...",
// "mp:...", an asset id, ...) and its hover text.
struct ActivityImage {
  std::optional<std::string> image;
  std::optional<std::string> text;

  bool operator==(const ActivityImage&) const = default;
};

struct ActivityAssets {
  ActivityImage large;
  ActivityImage small;

  bool operator==(const ActivityAssets&) const = default;
};

struct Activity {
  std::string id;
  std::string name;
  int type = 0;  // ActivityType value; unknown values are kept
  std::optional<std::string> state;
  std::optional<std::string> details;
  std::optional<std::string> url;
  std::optional<std::string> application_id;  // kept as the decimal string Discord sent
  std::int64_t created_at_ms = 0;
  std::optional<ActivityEmoji> emoji;
  std::optional<ActivityAssets> assets;
  std::optional<std::int64_t> start_ms;
  std::optional<std::int64_t> end_ms;
  std::optional<std::string> sync_id;  // Spotify track id

  bool is_spotify() const { return type == 2 && name == "Spotify"; }
  bool operator==(const Activity&) const = default;
};

struct ClientStatus {
  Status desktop = Status::kOffline;
  Status mobile = Status::kOffline;
  Status web = Status::kOffline;

  bool operator==(const ClientStatus&) const = default;
};

struct Presence {
  Status status = Status::kOffline;
  ClientStatus client_status;
  std::vector<Activity> activities;

  bool operator==(const Presence&) const = default;
};

// A user's key-value pairs, ordered by key (storage/ owns them; the store shows them).
using StoragePairs = std::map<std::string, std::string, std::less<>>;
using StoragePairsPtr = std::shared_ptr<const StoragePairs>;

// A member of the base guild.
struct Member {
  User user;
  std::optional<std::int64_t> joined_at_ms;  // "monitoring since"

  bool operator==(const Member&) const = default;
};

}  // namespace lantern::presence
