// RestClient: asynchronous HTTP(S) client for Discord's REST API.
//
// Every request carries `Authorization: Bot <token>` and
// `User-Agent: DiscordBot (https://github.com/lantern-presence/lantern, <version>)`.
// Rate limits (RestRateLimits) are respected before sending: per-route buckets
// from the X-RateLimit-* headers, the global 50/s limit, and 429 answers
// (retry_after, X-RateLimit-Scope, global). 5xx answers and network errors are
// retried with capped exponential backoff and jitter; each attempt has a timeout.
// A network error after a POST or PATCH was written completely is not retried
// (the server may have acted on it: a follow-up message would be posted twice);
// it is reported to the caller instead.
//
// Connections are kept alive: after an answer the connection goes to a small
// pool of idle ones (RestOptions::max_idle_connections, closed after
// idle_timeout) and the next request takes the most recent one, so a burst of
// requests pays for one TCP + TLS handshake. A connection the server closed
// while idle is noticed before use; when the server closes it just as a
// request goes out (no answer byte arrived), the request is sent once more on
// a new connection if the server cannot have acted on it (it was not written
// completely) or if repeating it is harmless (GET, HEAD, PUT, DELETE,
// OPTIONS). Answers with `Connection: close` are honoured.
//
// Threading and lifetime
//  * request() and stop() may be called from any thread.
//  * Completion callbacks run on the client's own strand (made from the executor
//    given to the constructor), never inline in request(). Post to your own
//    strand from the callback when you touch your state.
//  * Requests on one route are sent one after the other (the bucket's remaining
//    count is only known after each answer); different routes run concurrently.
//  * The queue is bounded (RestOptions::max_queued); a request beyond it fails at
//    once with an error. Every request's callback is invoked exactly once, also
//    when the client is stopped or destroyed (error "stopped").
//  * The client must be destroyed (or stopped) before its io_context.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "discord/multipart.h"
#include "discord/tls_context.h"

namespace lantern::discord {

struct RestRequest {
  std::string method = "GET";  // GET, POST, PUT, PATCH, DELETE
  std::string path;            // relative to api_base, starts with '/', may carry a query
  // Rate-limit route key. Empty = method + ' ' + path without the query, which is
  // right for every route Lantern uses (their major parameter is in the path).
  std::string route;
  std::string json_body;        // the JSON body; with files, the payload_json part
  std::vector<RestFile> files;  // non-empty = multipart/form-data upload
};

struct RestResult {
  int status = 0;     // HTTP status of the final answer; 0 when there was none
  std::string body;   // its body
  std::string error;  // empty for 2xx; otherwise a sentence (status, network error...)
  int attempts = 0;   // HTTP exchanges made, 429s and retries included

  bool ok() const { return error.empty(); }
};

struct RestOptions {
  std::string api_base = "https://discord.com/api/v10";  // http:// only for loopback tests
  std::string token;                                     // raw bot token
  std::string version = "0.1.0";                         // in the User-Agent
  TlsOptions tls;
  std::chrono::milliseconds timeout{15000};  // per attempt: connect + TLS + write + read
  int max_attempts = 4;                      // for 5xx and network errors
  int max_rate_limited = 5;                  // 429 answers tolerated per request
  std::chrono::milliseconds backoff_base{500};
  std::chrono::milliseconds backoff_cap{15000};
  std::size_t max_queued = 1024;  // requests waiting or in flight
  std::size_t max_response_bytes = 8 * 1024 * 1024;
  std::size_t max_idle_connections = 4;  // 0 = a new connection per request
  std::chrono::milliseconds idle_timeout{60000};
};

class RestClient {
 public:
  using Callback = std::function<void(RestResult)>;

  // Throws std::invalid_argument when api_base is not an http(s) URL and
  // std::runtime_error when the TLS options cannot be loaded.
  RestClient(boost::asio::any_io_executor executor, RestOptions options);
  ~RestClient();

  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  void request(RestRequest request, Callback done);

  // Fails every queued request with "stopped", closes the idle connections and
  // refuses new requests. Idempotent.
  void stop();

  const std::string& user_agent() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace lantern::discord
