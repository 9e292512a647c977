// Test support for the /socket tests: a minimal server (accept, read the HTTP
// upgrade request, hand it to start_socket_session) with a Hub over a fake
// directory whose writer is a strand, and a small blocking WebSocket client
// whose every wait is bounded.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/socket_session.h"
#include "http/upgrade.h"
#include "hub/hub_fakes.h"

namespace lantern::http::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

// Polls `done` until it holds or `limit` passes. A deadline, not a timing assertion.
inline bool wait_until(const std::function<bool()>& done,
                       std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

class SocketHarness {
 public:
  explicit SocketHarness(hub::Options options)
      : hub_(
            directory_, options,
            [this](std::function<void()> work) { net::post(writer_, std::move(work)); },
            [] { return std::int64_t{1700000000000}; }),
        services_(hub_) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind({net::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    do_accept();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  ~SocketHarness() {
    io_.stop();
    for (auto& thread : threads_) thread.join();
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  hub::testing::FakeDirectory& directory() { return directory_; }
  hub::Hub& hub() { return hub_; }
  SocketServices& services() { return services_; }

  // Applies a change the way the store does: publish, then tell the hub, on
  // the writer. Returns once the hub has handled it.
  void change(presence::Change::Kind kind, presence::UserViewPtr view) {
    std::promise<void> done;
    net::post(writer_, [&] {
      directory_.set(view);
      presence::Change change{kind, view->id(), view};
      hub_.on_changes({&change, 1});
      done.set_value();
    });
    done.get_future().wait();
  }

 private:
  struct Upgrade : std::enable_shared_from_this<Upgrade> {
    Upgrade(tcp::socket socket, SocketServices& services)
        : socket(std::move(socket)), services(services) {}
    void run() {
      beast::http::async_read(
          socket, buffer, request, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return;
            start_socket_session(
                UpgradeRequest{std::move(self->socket), std::move(self->request), "127.0.0.1"},
                self->services);
          });
    }
    tcp::socket socket;
    SocketServices& services;
    beast::flat_buffer buffer;
    beast::http::request<beast::http::string_body> request;
  };

  void do_accept() {
    acceptor_.async_accept(net::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      std::make_shared<Upgrade>(std::move(socket), services_)->run();
      do_accept();
    });
  }

  // Declared first, destroyed last: sessions destroyed with io_ still use them.
  hub::testing::FakeDirectory directory_;
  net::io_context io_;
  net::strand<net::io_context::executor_type> writer_{net::make_strand(io_)};
  hub::Hub hub_;
  SocketServices services_;
  tcp::acceptor acceptor_{io_};
  std::vector<std::thread> threads_;
};

// One message as the client received it.
struct Received {
  std::string data;
  bool binary = false;
};

// A WebSocket client with blocking calls; every read gives up after 20 s of
// silence (Beast's idle timeout) so a broken server fails the test, not hangs it.
class TestClient {
 public:
  // Connects and upgrades; `target` is the request target ("/socket?...").
  TestClient(std::uint16_t port, const std::string& target = "/socket", bool deflate = false,
             std::optional<int> receive_buffer = std::nullopt) {
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.open(tcp::v4());
    if (receive_buffer) socket.set_option(net::socket_base::receive_buffer_size(*receive_buffer));
    socket.connect({net::ip::make_address("127.0.0.1"), port});
    if (deflate) {
      websocket::permessage_deflate pmd;
      pmd.client_enable = true;
      ws_.set_option(pmd);
    }
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = std::chrono::seconds(20);
    timeout.idle_timeout = std::chrono::seconds(20);
    timeout.keep_alive_pings = false;
    ws_.set_option(timeout);
    ws_.handshake("127.0.0.1", target);
  }

  // The next message, or nullopt once the connection ended (see close_code()).
  std::optional<Received> read() {
    beast::flat_buffer buffer;
    ec_ = run([&](auto done) { ws_.async_read(buffer, done); });
    if (ec_) return std::nullopt;
    return Received{beast::buffers_to_string(buffer.data()), ws_.got_binary()};
  }

  // The text of the next message; "" once the connection ended.
  std::string read_text() {
    auto message = read();
    return message ? message->data : "";
  }

  void write(const std::string& text, bool binary = false) {
    ws_.binary(binary);
    ec_ = run([&](auto done) { ws_.async_write(net::buffer(text), done); });
  }

  // Drops the TCP connection without a close frame.
  void vanish() { beast::get_lowest_layer(ws_).socket().close(); }

  // Reads until the connection ends; returns the messages read before that.
  std::vector<std::string> read_until_closed() {
    std::vector<std::string> out;
    while (auto message = read()) out.push_back(message->data);
    return out;
  }

  std::uint16_t close_code() const { return ws_.reason().code; }
  beast::error_code error() const { return ec_; }
  websocket::stream<beast::tcp_stream>& stream() { return ws_; }

 private:
  template <class Start>
  beast::error_code run(Start start) {
    beast::error_code result;
    bool finished = false;
    start([&](beast::error_code ec, std::size_t) {
      result = ec;
      finished = true;
    });
    io_.restart();
    while (!finished && io_.run_one() != 0) {
    }
    return result;
  }

  net::io_context io_;
  websocket::stream<beast::tcp_stream> ws_{io_};
  beast::error_code ec_;
};

}  // namespace lantern::http::testing
