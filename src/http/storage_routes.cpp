#include "http/storage_routes.h"

#include <fmt/format.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <utility>

#include "storage/kv_rules.h"
#include "util/snowflake.h"

namespace lantern::http {
namespace {

using storage::Operation;
using storage::Status;
using storage::WriteResult;

constexpr std::string_view kBadUserId = "user_id must be a Discord user ID (17-20 digits).";
constexpr std::string_view kSuccess = R"({"success":true})";

// What every handler and every storage callback shares. Held by shared_ptr so
// callbacks that outlive add_storage_routes' caller frame stay valid.
struct Context {
  const presence::PresenceStore& store;
  storage::Service& storage;
  StorageRouteOptions options;
  AuthThrottle& throttle;
};
using ContextPtr = std::shared_ptr<const Context>;

// A write of one user's storage, submitted once the token checked out. Returns
// false when the service's queue is full (the callback is then never called).
using Write = std::function<bool(storage::Service&, storage::Service::WriteCallback)>;

// ---- responses -------------------------------------------------------------

Response not_monitored(Snowflake id) {
  return json_error(404, fmt::format("User {} is not being monitored by Lantern.", id));
}

Response no_storage(Snowflake id) {
  return json_error(404, fmt::format("User {} does not have any storage.", id));
}

Response key_missing(std::string_view key) {
  return json_error(404, fmt::format("Key {} does not exist in the storage.", key));
}

Response unauthorized() {
  return json_error(401, "Unauthorized.");
}

Response internal_error() {
  return json_error(500, "Internal server error.");
}

Response busy(const StorageRouteOptions& options) {
  return json_error(503, "The server is busy; try again.")
      .with_header("Retry-After", std::to_string(options.busy_retry_after.count()));
}

Response throttled(std::chrono::seconds retry_after) {
  return json_error(429, "Too many failed authorization attempts; try again later.")
      .with_header("Retry-After", std::to_string(retry_after.count()));
}

Response pairs_body(const presence::StoragePairs* pairs) {
  boost::json::object object;
  if (pairs) {
    for (const auto& [key, value] : *pairs) object[key] = value;
  }
  return json_body(boost::json::serialize(object));
}

Response value_body(std::string_view value) {
  boost::json::object object;
  object["value"] = value;
  return json_body(boost::json::serialize(object));
}

Response write_response(WriteResult result, std::string_view key) {
  switch (result.status) {
    case Status::kOk:
      return json_body(std::string(kSuccess));
    case Status::kNotFound:
      return key_missing(key);
    case Status::kInvalid:
    case Status::kFull:
      return json_error(400, result.error);
    case Status::kNoStorage:  // the token was reset between the check and the write
    case Status::kUnauthorized:
      return unauthorized();
    case Status::kError:
      break;
  }
  return internal_error();
}

// ---- syntax ----------------------------------------------------------------

// The path's user id and (for key routes) key; `error` set on a 400, and
// `bad_key` when it is the key that breaks a rule (a storage operation rejected).
struct Target {
  Snowflake id = 0;
  std::string key;
  std::string_view error;
  bool bad_key = false;
};

Target parse_target(const Request& request, bool with_key) {
  Target target;
  const auto id = parse_api_snowflake(request.path_params.at(0));
  if (!id) {
    target.error = kBadUserId;
    return target;
  }
  target.id = *id;
  if (with_key) {
    target.key = request.path_params.at(1);
    if (auto error = storage::validate_key(target.key)) {
      target.error = *error;
      target.bad_key = true;
    }
  }
  return target;
}

// ---- the authenticated write path ------------------------------------------

void submit_write(const ContextPtr& ctx, Write write, std::string key, const Respond& respond) {
  const bool queued = write(ctx->storage, [respond, key = std::move(key)](WriteResult result) {
    respond(write_response(result, key));
  });
  if (!queued) respond(busy(ctx->options));
}

// Throttle -> token -> write. The request itself may be gone when the storage
// callbacks run, so what they need is copied.
void authorized_write(const ContextPtr& ctx, const Request& request, Snowflake id, std::string key,
                      Write write, Respond respond) {
  if (auto wait = ctx->throttle.check(request.client_address)) return respond(throttled(*wait));
  std::string token = presented_token(request);
  if (token.empty()) {
    // What authenticate() answers for no token, without asking it.
    ctx->storage.report(Operation::kAuthenticate, Status::kUnauthorized);
    ctx->throttle.record_failure(request.client_address);
    return respond(unauthorized());
  }
  auto on_checked = [ctx, address = request.client_address, key = std::move(key),
                     write = std::move(write), respond](Status status) mutable {
    if (status == Status::kOk) return submit_write(ctx, std::move(write), std::move(key), respond);
    if (status == Status::kError) return respond(internal_error());
    ctx->throttle.record_failure(address);
    respond(unauthorized());
  };
  if (!ctx->storage.authenticate(id, std::move(token), std::move(on_checked))) {
    respond(busy(ctx->options));
  }
}

// ---- handlers --------------------------------------------------------------

void get_all(const ContextPtr& ctx, const Request& request, Respond respond) {
  const Target target = parse_target(request, false);
  if (!target.error.empty()) return respond(json_error(400, target.error));
  const auto user = ctx->store.find(target.id);
  if (!user) return respond(not_monitored(target.id));
  if (!user->storage().empty()) {
    ctx->storage.report(Operation::kGetPairs, Status::kOk);
    return respond(pairs_body(&user->storage()));
  }
  // No pairs in the snapshot: only the database knows whether there is a token.
  const Snowflake id = target.id;
  auto on_pairs = [id, respond](Status status, storage::StoragePairsPtr pairs) {
    if (status == Status::kOk) return respond(pairs_body(pairs.get()));
    if (status == Status::kNoStorage) return respond(no_storage(id));
    respond(internal_error());
  };
  if (!ctx->storage.get_pairs(id, std::move(on_pairs))) respond(busy(ctx->options));
}

void delete_all(const ContextPtr& ctx, const Request& request, Respond respond) {
  const Target target = parse_target(request, false);
  if (!target.error.empty()) return respond(json_error(400, target.error));
  if (!ctx->store.find(target.id)) return respond(not_monitored(target.id));
  const Snowflake id = target.id;
  authorized_write(
      ctx, request, id, {},
      [id](storage::Service& s, auto done) { return s.clear_pairs(id, std::move(done)); },
      std::move(respond));
}

void get_one(const ContextPtr& ctx, const Request& request, Respond respond) {
  const Target target = parse_target(request, true);
  if (target.bad_key) ctx->storage.report(Operation::kGetValue, Status::kInvalid);
  if (!target.error.empty()) return respond(json_error(400, target.error));
  const auto user = ctx->store.find(target.id);
  if (!user) return respond(not_monitored(target.id));
  const auto& pairs = user->storage();
  const auto it = pairs.find(target.key);
  if (it == pairs.end()) {
    ctx->storage.report(Operation::kGetValue, Status::kNotFound);
    return respond(key_missing(target.key));
  }
  ctx->storage.report(Operation::kGetValue, Status::kOk);
  respond(value_body(it->second));
}

// PUT (create or overwrite) and PATCH (overwrite only).
void set_one(const ContextPtr& ctx, bool patch, const Request& request, Respond respond) {
  const Operation operation = patch ? Operation::kPatch : Operation::kPut;
  Target target = parse_target(request, true);
  if (target.bad_key) ctx->storage.report(operation, Status::kInvalid);
  if (!target.error.empty()) return respond(json_error(400, target.error));
  ValueParse value = parse_value(request);
  if (!value.error.empty()) {
    ctx->storage.report(operation, Status::kInvalid);
    return respond(json_error(400, value.error));
  }
  if (!ctx->store.find(target.id)) return respond(not_monitored(target.id));
  const Snowflake id = target.id;
  Write write = [id, patch, key = target.key, value = std::move(value.value)](
                    storage::Service& s, storage::Service::WriteCallback done) mutable {
    return patch ? s.patch(id, std::move(key), std::move(value), std::move(done))
                 : s.put(id, std::move(key), std::move(value), std::move(done));
  };
  authorized_write(ctx, request, id, std::move(target.key), std::move(write), std::move(respond));
}

void delete_one(const ContextPtr& ctx, const Request& request, Respond respond) {
  Target target = parse_target(request, true);
  if (target.bad_key) ctx->storage.report(Operation::kDeleteKey, Status::kInvalid);
  if (!target.error.empty()) return respond(json_error(400, target.error));
  if (!ctx->store.find(target.id)) return respond(not_monitored(target.id));
  const Snowflake id = target.id;
  Write write = [id, key = target.key](storage::Service& s,
                                       storage::Service::WriteCallback done) mutable {
    return s.delete_key(id, std::move(key), std::move(done));
  };
  authorized_write(ctx, request, id, std::move(target.key), std::move(write), std::move(respond));
}

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool starts_with_bearer(std::string_view text) {
  constexpr std::string_view kBearer = "bearer ";
  if (text.size() < kBearer.size()) return false;
  for (std::size_t i = 0; i < kBearer.size(); ++i) {
    const char c = text[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kBearer[i]) return false;
  }
  return true;
}

}  // namespace

std::string presented_token(const Request& request) {
  const auto header = request.header("authorization");
  if (!header) return {};
  std::string_view token = trim_blanks(*header);
  if (starts_with_bearer(token)) token = trim_blanks(token.substr(7));
  return std::string(token);
}

ValueParse parse_value(const Request& request) {
  ValueParse result;
  if (request.body.empty()) {
    const auto query = request.query_value("value");
    if (!query) {
      result.error = storage::kErrorValueRequired;
      return result;
    }
    result.value = std::string(*query);
  } else {
    boost::system::error_code ec;
    const boost::json::value json = boost::json::parse(request.body, ec);
    const auto* object = ec ? nullptr : json.if_object();
    const auto* value = object ? object->if_contains("value") : nullptr;
    if (!value || !value->is_string()) {
      result.error = storage::kErrorValueRequired;
      return result;
    }
    result.value = std::string(value->get_string());
  }
  if (auto error = storage::validate_value(result.value)) result.error = *error;
  return result;
}

void add_storage_routes(Router& router, const presence::PresenceStore& store,
                        storage::Service& storage, StorageRouteOptions options,
                        AuthThrottle& throttle) {
  auto ctx = std::make_shared<const Context>(Context{store, storage, options, throttle});
  const std::string all = "/api/v1/users/{}/storage";
  const std::string one = "/api/v1/users/{}/storage/{}";
  router.add(Method::kGet, all, [ctx](const Request& request, Respond respond) {
    get_all(ctx, request, std::move(respond));
  });
  router.add(Method::kDelete, all, [ctx](const Request& request, Respond respond) {
    delete_all(ctx, request, std::move(respond));
  });
  router.add(Method::kGet, one, [ctx](const Request& request, Respond respond) {
    get_one(ctx, request, std::move(respond));
  });
  router.add(Method::kPut, one, [ctx](const Request& request, Respond respond) {
    set_one(ctx, false, request, std::move(respond));
  });
  router.add(Method::kPatch, one, [ctx](const Request& request, Respond respond) {
    set_one(ctx, true, request, std::move(respond));
  });
  router.add(Method::kDelete, one, [ctx](const Request& request, Respond respond) {
    delete_one(ctx, request, std::move(respond));
  });
}

}  // namespace lantern::http
