// Server: the HTTP/1.1 listener for the REST API, the docs and the /socket
// upgrade.
//
// One acceptor; every connection gets its own strand on the shared
// io_context, which any number of threads may run. Requests are parsed with
// limits (body, header) and handed to the Router as http::Request; WebSocket
// upgrades to /socket go to the UpgradeHandler. Bad HTTP is answered with a
// JSON error and the connection closed; nothing a client sends can stop the
// listener. When the process runs out of file descriptors, new connections are
// refused with 503 while existing ones keep being served.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/router.h"
#include "http/trusted_proxies.h"

namespace boost::asio {
class io_context;
}

namespace lantern::http {

struct UpgradeRequest;
using UpgradeHandler = std::function<void(UpgradeRequest&&)>;

struct ServerOptions {
  std::string bind_address = "0.0.0.0";
  std::uint16_t port = 8000;
  std::size_t body_limit = 256 * 1024;
  std::size_t header_limit = 16 * 1024;
  std::chrono::seconds idle_timeout{30};
  // Take the client address from CF-Connecting-IP / X-Forwarded-For when the
  // peer is one of `trusted_proxies` (see client_address in trusted_proxies.h).
  bool trust_proxy = false;
  TrustedProxies trusted_proxies = TrustedProxies::local_networks();
  // Log one line per request (status, method, path, address, duration).
  bool access_log = true;
};

// Called once per answered request, on the connection's strand (metrics hook).
struct RequestRecord {
  Method method;
  std::string_view path;
  unsigned status;
  std::chrono::microseconds duration;
};
using RequestObserver = std::function<void(const RequestRecord&)>;

class Server {
 public:
  // `router` must outlive the server. `on_upgrade` may be empty (no sockets).
  Server(boost::asio::io_context& io, ServerOptions options, const Router& router,
         UpgradeHandler on_upgrade, RequestObserver observer = {});
  ~Server();

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. Throws std::system_error when the address
  // cannot be bound. After it returns, port() is the bound port.
  void start();
  // Stops accepting new connections (open ones finish their current request).
  void stop_accepting();
  std::uint16_t port() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace lantern::http
