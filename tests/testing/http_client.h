// Test support: a blocking HTTP/1.1 client for talking to servers on loopback.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lantern::testing {

struct HttpResult {
  unsigned status = 0;                         // 0 when the exchange failed
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string error;  // set when status == 0

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// One request on a fresh connection.
HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body = {},
                        const std::vector<std::pair<std::string, std::string>>& headers = {});

// Writes `bytes` as they are while reading until the server closes or
// `max_bytes` arrived (or 5 s passed). For malformed-HTTP tests.
std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::size_t max_bytes = 1 << 20);

}  // namespace lantern::testing
