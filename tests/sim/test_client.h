// Test-only Discord clients for the simulator tests: a minimal gateway client (Beast
// WebSocket + zlib inflate, every read bounded by a deadline) and a blocking REST call.
#pragma once

#include <zlib.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lantern::sim::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = net::ip::tcp;

// The outcome of one read: a payload, a close frame (with its code), or a failure.
struct Read {
  std::optional<json::object> payload;
  bool closed = false;  // close frame received
  std::uint16_t close_code = 0;
  beast::error_code error;  // set for TCP drops and timeouts
  bool timed_out = false;

  int op() const { return payload ? static_cast<int>(payload->at("op").as_int64()) : -1; }
  std::string t() const {
    if (!payload || !payload->at("t").is_string()) return {};
    return std::string(payload->at("t").as_string());
  }
  const json::value& d() const { return payload->at("d"); }
};

class TestGateway {
 public:
  TestGateway(std::uint16_t port, std::string target) : ws_(ioc_) {
    tcp::resolver resolver(ioc_);
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    ws_.read_message_max(256 * 1024 * 1024);
    ws_.handshake("127.0.0.1:" + std::to_string(port), target);
    compressed_ = target.find("compress=zlib-stream") != std::string::npos;
    if (compressed_) inflateInit(&zs_);
  }
  ~TestGateway() {
    if (compressed_) inflateEnd(&zs_);
  }

  // Reads the next payload, waiting at most `timeout`.
  Read read(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    Read r;
    for (;;) {
      beast::flat_buffer buffer;
      bool done = false;
      beast::error_code ec;
      ws_.async_read(buffer, [&](beast::error_code e, std::size_t) {
        ec = e;
        done = true;
      });
      ioc_.restart();
      ioc_.run_for(timeout);
      if (!done) {
        beast::get_lowest_layer(ws_).cancel();
        ioc_.restart();
        ioc_.run();
        r.timed_out = true;
        return r;
      }
      if (ec == websocket::error::closed) {
        r.closed = true;
        r.close_code = static_cast<std::uint16_t>(ws_.reason().code);
        return r;
      }
      if (ec) {
        r.error = ec;
        return r;
      }
      std::string message = beast::buffers_to_string(buffer.data());
      binary_.push_back(ws_.got_binary());
      raw_.push_back(message);
      std::string text;
      if (compressed_) {
        pending_ += message;
        if (pending_.size() < 4 ||
            pending_.compare(pending_.size() - 4, 4, "\x00\x00\xff\xff", 4) != 0) {
          continue;
        }
        text = inflate_pending();
      } else {
        text = message;
      }
      r.payload = json::parse(text).as_object();
      return r;
    }
  }

  // Reads until a dispatch named `t` (or any payload with `op` when t is empty) arrives.
  Read read_until(const std::string& t, int op = 0) {
    for (;;) {
      Read r = read();
      if (!r.payload) return r;
      if (r.op() == op && (t.empty() || r.t() == t)) return r;
    }
  }

  void send(const json::value& v) { send_text(json::serialize(v)); }
  void send_text(const std::string& text) {
    ws_.text(true);
    ws_.write(net::buffer(text));
  }
  void close(std::uint16_t code) {
    beast::error_code ec;
    ws_.close(websocket::close_reason(code), ec);
  }

  void identify(const std::string& token = "sim-token", std::int64_t intents = 259,
                int large_threshold = 250) {
    send(json::object{
        {"op", 2},
        {"d", json::object{{"token", token},
                           {"intents", intents},
                           {"properties",
                            json::object{{"os", "linux"}, {"browser", "test"}, {"device", "test"}}},
                           {"large_threshold", large_threshold},
                           {"shard", json::array{0, 1}}}}});
  }

  const std::vector<std::string>& raw_messages() const { return raw_; }
  const std::vector<bool>& binary_flags() const { return binary_; }

 private:
  std::string inflate_pending() {
    std::string out;
    zs_.next_in = reinterpret_cast<Bytef*>(pending_.data());
    zs_.avail_in = static_cast<uInt>(pending_.size());
    char chunk[65536];
    do {
      zs_.next_out = reinterpret_cast<Bytef*>(chunk);
      zs_.avail_out = sizeof chunk;
      int rc = inflate(&zs_, Z_SYNC_FLUSH);
      if (rc != Z_OK && rc != Z_BUF_ERROR) throw std::runtime_error("inflate failed");
      out.append(chunk, sizeof chunk - zs_.avail_out);
    } while (zs_.avail_out == 0);
    pending_.clear();
    return out;
  }

  net::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_;
  bool compressed_ = false;
  z_stream zs_{};
  std::string pending_;
  std::vector<std::string> raw_;
  std::vector<bool> binary_;
};

struct RestReply {
  int status = 0;
  std::string body;
  http::fields headers;
  json::value json() const { return body.empty() ? json::value{} : json::parse(body); }
};

inline RestReply rest(std::uint16_t port, http::verb method, const std::string& target,
                      const std::string& body = {}, const std::string& authorization = {},
                      const std::string& content_type = "application/json") {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::user_agent, "DiscordBot (https://example.com, 1.0)");
  if (!authorization.empty()) req.set(http::field::authorization, authorization);
  if (!body.empty()) {
    req.set(http::field::content_type, content_type);
    req.body() = body;
  }
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  RestReply out;
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  for (const auto& f : res) out.headers.insert(f.name_string(), f.value());
  return out;
}

}  // namespace lantern::sim::testing
