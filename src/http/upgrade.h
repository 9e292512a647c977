// A WebSocket upgrade request handed from the HTTP server to the socket layer.
// Beast types live here (not in server.h) so that only the two sides of the
// hand-off pay for including them.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <string>

namespace lantern::http {

struct UpgradeRequest {
  boost::asio::ip::tcp::socket socket;
  boost::beast::http::request<boost::beast::http::string_body> request;
  std::string client_address;  // as server.trust_proxy determines it
};

// Takes ownership of the connection. Called on the connection's strand.
using UpgradeHandler = std::function<void(UpgradeRequest&&)>;

}  // namespace lantern::http
