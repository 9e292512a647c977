// Test support: a minimal blocking /socket client.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace lantern::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;

// Every blocking call has a 10 s deadline, so a missing frame fails the test
// instead of hanging it.
class SocketClient {
 public:
  explicit SocketClient(std::uint16_t port) : ws_(io_) {
    asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(10));
    beast::get_lowest_layer(ws_).connect(endpoint);
    ws_.handshake("127.0.0.1", "/socket");
  }

  json::object read() {
    beast::flat_buffer buffer;
    ws_.read(buffer);
    return json::parse(beast::buffers_to_string(buffer.data())).as_object();
  }

  void send(const std::string& text) { ws_.write(asio::buffer(text)); }

  // Reads every frame until the server closes; returns the close code.
  std::uint16_t read_until_closed(std::vector<json::object>& frames) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    while (true) {
      buffer.clear();
      ws_.read(buffer, ec);
      if (ec) break;
      frames.push_back(json::parse(beast::buffers_to_string(buffer.data())).as_object());
    }
    return ws_.reason().code;
  }

 private:
  asio::io_context io_;
  websocket::stream<beast::tcp_stream> ws_;
};

}  // namespace lantern::testing
