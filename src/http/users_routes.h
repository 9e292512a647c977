// The read side of the REST API (API.md section 2): one user, many users, and
// the service routes (index, health, readiness).
//
// Handlers answer synchronously from the presence store's snapshots; they
// never wait for the presence writer.
#pragma once

#include <cstddef>
#include <functional>

#include "http/message.h"
#include "http/router.h"
#include "presence/store.h"

namespace lantern::http {

struct UsersRouteOptions {
  std::size_t max_bulk_users = 50;  // config max_bulk_get_users_size
};

// Answers GET /api/v1/users/{id}?svg=1 for a monitored user (the SVG card).
// When empty, the card answers 501.
using CardHandler =
    std::function<void(const Request& request, presence::UserViewPtr user, Respond respond)>;

void add_users_routes(Router& router, const presence::PresenceStore& store,
                      UsersRouteOptions options, CardHandler card);

// GET /, /healthz, /readyz.
void add_service_routes(Router& router, const presence::PresenceStore& store);

// Parses `user_ids` in every accepted spelling (repeated, user_ids[], comma
// separated). Returns the error sentence of API.md, or the ids in order.
struct UserIdList {
  std::vector<Snowflake> ids;
  std::string error;  // empty on success
};
UserIdList parse_user_ids(const Request& request, std::size_t max_ids);

// "0", "1", "true", "false" (API.md boolean options); nullopt for anything else.
std::optional<bool> parse_flag(std::string_view value);

}  // namespace lantern::http
