// The key-value storage routes of the REST API (API.md section 2):
//
//   GET    /api/v1/users/{id}/storage         every pair (public)
//   DELETE /api/v1/users/{id}/storage         remove every pair, keep the token
//   GET    /api/v1/users/{id}/storage/{key}   one value (public)
//   PUT    /api/v1/users/{id}/storage/{key}   create or overwrite
//   PATCH  /api/v1/users/{id}/storage/{key}   overwrite an existing key
//   DELETE /api/v1/users/{id}/storage/{key}   remove one key
//
// Checks run in API.md's order, the first failure answering: (413 is the
// server's) 400 syntax of id, key and value -> 404 not monitored -> 429 the
// client address is throttled (AuthThrottle) -> 401 token -> 404 key existence
// (PATCH, DELETE). The value of PUT/PATCH comes from a JSON body
// {"value": "<string>"}; when the body is empty, from the `value` query
// parameter. A non-empty body always decides: it must be a JSON object whose
// `value` is a string.
//
// Reads come from the presence store's snapshot (UserView::storage()), without
// touching the database, with one exception: GET .../storage of a user whose
// snapshot has no pairs asks storage::Service::get_pairs, because only the
// database knows whether the user has a token (API.md: 404 "does not have any
// storage" without one, {} with one). A snapshot with pairs implies a token
// (pairs can only be written with one, and a reset removes both).
//
// Read-your-writes: a write answers 200 only after the service's callback
// (the change is committed, and the service's change listener has run). Reads
// see the write as soon as the listener's PresenceStore::set_storage has been
// applied; the app's listener should therefore apply it before returning (see
// docs/api-notes.md, "Storage routes").
//
// Metrics: what these routes answer without the service (reads from the
// snapshot, a key or value that breaks a rule, a request without a token) is
// reported with storage::Service::report() under the operation the service
// would have run (get_value, get_pairs, put, patch, delete_key, authenticate),
// so that lantern_kv_operations_total counts every storage operation once.
// Requests refused for a bad user id, an unmonitored user or the throttle (429)
// are not storage operations (they show in lantern_http_requests_total).
//
// Writes and token checks go through storage::Service and answer from its
// worker thread (Respond may be called from any thread). A full service queue
// answers 503 with Retry-After; a database failure 500.
//
// Lifetimes: `store`, `storage` and `throttle` must outlive the router and
// every request in flight, i.e. also the storage service's final drain (its
// callbacks use `storage` and `throttle`): destroy the service before the
// throttle. Handlers are safe to run on any number of threads.
//
// Tokens are never logged.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "http/auth_throttle.h"
#include "http/message.h"
#include "http/router.h"
#include "presence/store.h"
#include "storage/service.h"

namespace lantern::http {

struct StorageRouteOptions {
  // Retry-After of the 503 answered when the storage queue is full.
  std::chrono::seconds busy_retry_after{1};
};

void add_storage_routes(Router& router, const presence::PresenceStore& store,
                        storage::Service& storage, StorageRouteOptions options,
                        AuthThrottle& throttle);

// The token presented in `Authorization: <token>` or `Authorization: Bearer
// <token>` (the scheme name in any case), without surrounding blanks; empty
// when the header is absent or blank.
std::string presented_token(const Request& request);

// The value of a PUT/PATCH (see above): the value, or the API.md sentence.
struct ValueParse {
  std::string value;
  std::string_view error;  // empty on success
};
ValueParse parse_value(const Request& request);

}  // namespace lantern::http
