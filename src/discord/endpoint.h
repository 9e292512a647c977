// Endpoint: where a Discord base URL points, parsed once with Boost.URL.
//
// `discord.api_base` ("https://discord.com/api/v10" in production,
// "http://127.0.0.1:P/api/v10" against the simulator) and gateway URLs
// ("wss://gateway.discord.gg", "ws://127.0.0.1:P") are both parsed into an
// Endpoint. TLS is used exactly when the scheme says so (https, wss); plain
// http/ws is meant for loopback tests and local simulators.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lantern::discord {

struct Endpoint {
  bool tls = false;
  std::string host;  // without brackets for IPv6 literals
  std::string port;  // always set (defaults 80/443)
  std::string path;  // base path without a trailing '/', e.g. "/api/v10" or ""

  // The Host header value ("host" or "host:port" for non-default ports).
  std::string host_header() const;
  // path + relative (relative starts with '/').
  std::string target(std::string_view relative) const;

  bool operator==(const Endpoint&) const = default;
};

// Parses an http(s) base URL (for REST) or a ws(s) URL (for the gateway).
// Query and fragment are ignored. Returns nullopt, with a sentence in `error`
// when given, for anything else.
std::optional<Endpoint> parse_endpoint(std::string_view url, std::string* error = nullptr);

}  // namespace lantern::discord
