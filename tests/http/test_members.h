// A member as the HTTP tests put it in the store: username, no global name,
// no avatar, member since 2021-05-03.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "presence/events.h"

namespace lantern::http {

inline presence::MemberEvent member(Snowflake id, std::string name) {
  presence::MemberEvent event;
  event.user.id = id;
  event.user.username = std::move(name);
  event.user.discriminator = "0";
  event.user.global_name = std::optional<std::string>();
  event.user.avatar = std::optional<std::string>();
  event.joined_at_ms = 1620000000000;
  return event;
}

}  // namespace lantern::http
