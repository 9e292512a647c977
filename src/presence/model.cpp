#include "presence/model.h"

namespace lantern::presence {

Status parse_status(std::string_view text) {
  if (text == "online") return Status::kOnline;
  if (text == "idle") return Status::kIdle;
  if (text == "dnd") return Status::kDnd;
  return Status::kOffline;  // "offline", "invisible" and anything unknown
}

std::string_view to_string(Status status) {
  switch (status) {
    case Status::kOnline:
      return "online";
    case Status::kIdle:
      return "idle";
    case Status::kDnd:
      return "dnd";
    case Status::kOffline:
      break;
  }
  return "offline";
}

namespace {

// Assigns `patch` to `field` when present; reports whether `field` changed.
template <typename T>
bool merge(T& field, const std::optional<T>& patch) {
  if (!patch || field == *patch) return false;
  field = *patch;
  return true;
}

}  // namespace

bool UserPatch::apply_to(User& user) const {
  bool changed = false;
  if (user.id != id) {
    user.id = id;
    changed = true;
  }
  changed |= merge(user.username, username);
  changed |= merge(user.discriminator, discriminator);
  changed |= merge(user.global_name, global_name);
  changed |= merge(user.avatar, avatar);
  changed |= merge(user.bot, bot);
  changed |= merge(user.public_flags, public_flags);
  changed |= merge(user.server_tag, server_tag);
  return changed;
}

}  // namespace lantern::presence
