// The HTTP request and response as the route handlers see them.
//
// Handlers never see Beast: the server (http/server.h) parses the wire request
// into a Request and writes a Response back. This keeps route code small,
// testable without sockets, and cheap to compile.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lantern::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view to_string(Method method);

struct Request {
  Method method = Method::kGet;
  std::string path;  // percent-decoded path, without the query
  // Query parameters in order, percent-decoded ("a=1&a=2" gives two entries).
  std::vector<std::pair<std::string, std::string>> query;
  // Header fields in order; names in lower case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The client's address as determined by server.trust_proxy.
  std::string client_address;
  // Values of the {placeholders} of the matched route, in order (set by the router).
  std::vector<std::string> path_params;

  // First header with this lower-case name, or nullopt.
  std::optional<std::string_view> header(std::string_view lower_name) const;
  // Every value of query parameter `name`, in order.
  std::vector<std::string_view> query_values(std::string_view name) const;
  // The last value of query parameter `name`, or nullopt.
  std::optional<std::string_view> query_value(std::string_view name) const;
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  Response& with_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// {"error": "<sentence>"} with the given status (API.md: every error looks like this).
Response json_error(unsigned status, std::string_view sentence);

// A JSON body that is already serialised.
Response json_body(std::string body, unsigned status = 200);

// Completes a request. May be called from any thread, exactly once.
using Respond = std::function<void(Response)>;

// A route handler: answers synchronously by calling `respond` before returning,
// or later from another executor (storage, image fetching).
using Handler = std::function<void(const Request&, Respond)>;

}  // namespace lantern::http
