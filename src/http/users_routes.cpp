#include "http/users_routes.h"

#include <fmt/format.h>

#include <unordered_set>

#include "util/snowflake.h"
#include "util/time.h"

namespace lantern::http {
namespace {

constexpr std::string_view kBadUserIds = "user_ids must be a Discord user ID (17-20 digits).";
constexpr std::string_view kBadUserId = "user_id must be a Discord user ID (17-20 digits).";

void split_commas(std::string_view value, std::vector<std::string_view>& out) {
  std::size_t pos = 0;
  while (true) {
    const std::size_t comma = value.find(',', pos);
    out.push_back(value.substr(pos, comma == std::string_view::npos ? comma : comma - pos));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
}

void answer_one_user(const presence::PresenceStore& store, const CardHandler& card,
                     const Request& request, Respond respond) {
  const auto id = parse_api_snowflake(request.path_params.at(0));
  if (!id) return respond(json_error(400, kBadUserId));
  bool svg = false;
  if (auto value = request.query_value("svg")) {
    auto flag = parse_flag(*value);
    if (!flag) return respond(json_error(400, "svg must be 0, 1, true or false."));
    svg = *flag;
  }
  auto user = store.find(*id);
  if (!user) {
    return respond(json_error(404, fmt::format("User {} is not being monitored by Lantern.", *id)));
  }
  if (svg) {
    if (!card) return respond(json_error(501, "The SVG card is not available."));
    return card(request, std::move(user), std::move(respond));
  }
  respond(json_body(user->json(unix_now_ms())));
}

void answer_many_users(const presence::PresenceStore& store, std::size_t max_ids,
                       const Request& request, Respond respond) {
  const UserIdList list = parse_user_ids(request, max_ids);
  if (!list.error.empty()) return respond(json_error(400, list.error));
  const std::int64_t now = unix_now_ms();
  std::string body = "[";
  bool any = false;
  for (const Snowflake id : list.ids) {
    auto user = store.find(id);
    if (!user) continue;
    if (any) body += ',';
    user->append_json(body, now);
    any = true;
  }
  body += ']';
  if (!any) return respond(json_error(404, "Users you requested are not monitored by Lantern."));
  respond(json_body(std::move(body)));
}

}  // namespace

std::optional<bool> parse_flag(std::string_view value) {
  if (value == "1" || value == "true") return true;
  if (value == "0" || value == "false") return false;
  return std::nullopt;
}

UserIdList parse_user_ids(const Request& request, std::size_t max_ids) {
  std::vector<std::string_view> raw;
  for (const auto& [key, value] : request.query) {
    if (key == "user_ids" || key == "user_ids[]") split_commas(value, raw);
  }
  UserIdList result;
  if (raw.empty() || (raw.size() == 1 && raw[0].empty())) {
    result.error = "user_ids is required.";
    return result;
  }
  std::unordered_set<Snowflake> seen;
  for (const auto text : raw) {
    const auto id = parse_api_snowflake(text);
    if (!id) {
      result.error = kBadUserIds;
      return result;
    }
    if (!seen.insert(*id).second) {
      result.error = "user_ids must not contain duplicates.";
      return result;
    }
    result.ids.push_back(*id);
  }
  if (result.ids.size() > max_ids) {
    result.error = fmt::format("You can only request up to {} users at once.", max_ids);
    result.ids.clear();
  }
  return result;
}

void add_users_routes(Router& router, const presence::PresenceStore& store,
                      UsersRouteOptions options, CardHandler card) {
  router.add(Method::kGet, "/api/v1/users",
             [&store, max = options.max_bulk_users](const Request& request, Respond respond) {
               answer_many_users(store, max, request, std::move(respond));
             });
  router.add(Method::kGet, "/api/v1/users/{}",
             [&store, card = std::move(card)](const Request& request, Respond respond) {
               answer_one_user(store, card, request, std::move(respond));
             });
}

void add_service_routes(Router& router, const presence::PresenceStore& store) {
  router.add(Method::kGet, "/", [](const Request&, Respond respond) {
    respond(json_body(
        R"({"name":"Lantern","description":"Discord presence as a REST API and a WebSocket.",)"
        R"("docs":"/docs","openapi":"/openapi.json","api":"/api/v1","socket":"/socket"})"));
  });
  router.add(Method::kGet, "/healthz",
             [](const Request&, Respond respond) { respond(json_body(R"({"status":"ok"})")); });
  router.add(Method::kGet, "/readyz", [&store](const Request&, Respond respond) {
    if (store.synced()) return respond(json_body(R"({"status":"ready"})"));
    respond(json_error(503, "The guild is not synchronised yet."));
  });
}

}  // namespace lantern::http
