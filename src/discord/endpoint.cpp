#include "discord/endpoint.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace lantern::discord {
namespace {

std::optional<Endpoint> reject(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
  return std::nullopt;
}

}  // namespace

std::string Endpoint::host_header() const {
  const bool default_port = (tls && port == "443") || (!tls && port == "80");
  std::string host_part = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return default_port ? host_part : host_part + ":" + port;
}

std::string Endpoint::target(std::string_view relative) const {
  std::string out = path;
  out.append(relative);
  if (out.empty()) out = "/";
  return out;
}

std::optional<Endpoint> parse_endpoint(std::string_view url, std::string* error) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return reject(error, "not an absolute URL: '" + std::string(url) + "'");
  const boost::urls::url_view& view = *parsed;
  Endpoint endpoint;
  const std::string scheme = view.scheme();
  if (scheme == "https" || scheme == "wss") {
    endpoint.tls = true;
  } else if (scheme != "http" && scheme != "ws") {
    return reject(error, "unsupported URL scheme '" + scheme + "' in '" + std::string(url) + "'");
  }
  if (!view.has_authority() || view.encoded_host().empty()) {
    return reject(error, "URL has no host: '" + std::string(url) + "'");
  }
  if (view.has_userinfo()) return reject(error, "URL must not carry credentials");
  endpoint.host = view.host_type() == boost::urls::host_type::ipv6
                      ? std::string(view.encoded_host_address())
                      : std::string(view.host());
  endpoint.port = view.has_port() ? std::string(view.port()) : (endpoint.tls ? "443" : "80");
  endpoint.path = std::string(view.path());
  while (!endpoint.path.empty() && endpoint.path.back() == '/') endpoint.path.pop_back();
  return endpoint;
}

}  // namespace lantern::discord
