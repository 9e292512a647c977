// Test support: an http::Server on 127.0.0.1 with an ephemeral port, run by a
// thread of its own, for tests that send real HTTP requests to a router.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <optional>
#include <thread>

#include "http/router.h"
#include "http/server.h"

namespace lantern::http {

struct LoopbackOptions {
  bool trust_proxy = false;  // lets a test speak from several addresses (X-Forwarded-For)
  RequestObserver observer;
};

class LoopbackServer {
 public:
  // `router` must outlive the server.
  explicit LoopbackServer(const Router& router, LoopbackOptions options = {}) {
    ServerOptions server_options;
    server_options.bind_address = "127.0.0.1";
    server_options.port = 0;
    server_options.access_log = false;
    server_options.trust_proxy = options.trust_proxy;
    server_.emplace(io_, server_options, router, nullptr, std::move(options.observer));
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }

  // Stops accepting, stops the I/O thread and joins it.
  ~LoopbackServer() {
    server_.reset();
    io_.stop();
    thread_.join();
  }

  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::uint16_t port() const { return server_->port(); }

 private:
  boost::asio::io_context io_;
  std::optional<Server> server_;
  std::thread thread_;
};

}  // namespace lantern::http
