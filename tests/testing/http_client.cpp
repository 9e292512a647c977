#include "testing/http_client.h"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>

namespace lantern::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body,
                        const std::vector<std::pair<std::string, std::string>>& headers) {
  HttpResult result;
  asio::io_context io;
  beast::tcp_stream stream(io);
  bhttp::request<bhttp::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  if (!body.empty() || method == "PUT" || method == "PATCH" || method == "POST") {
    request.prepare_payload();
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  if (method == "HEAD") parser.skip(true);
  beast::error_code failure;

  // Asynchronous operations, because tcp_stream's deadline only bounds those:
  // a server that never answers fails the test instead of hanging it.
  stream.expires_after(std::chrono::seconds(10));
  stream.async_connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
        if (ec) return void(failure = ec);
        bhttp::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
          if (ec) return void(failure = ec);
          bhttp::async_read(stream, buffer, parser,
                            [&](beast::error_code ec, std::size_t) { failure = ec; });
        });
      });
  io.run();
  if (failure) {
    result.error = failure.message();
    return result;
  }
  const auto& response = parser.get();
  result.status = response.result_int();
  for (const auto& field : response) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    result.headers[name] = std::string(field.value());
  }
  result.body = response.body();
  return result;
}

std::string raw_exchange(std::uint16_t port, const std::string& bytes, std::size_t max_bytes) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  std::string received;
  std::array<char, 4096> chunk{};
  std::function<void()> read_more = [&] {
    stream.async_read_some(asio::buffer(chunk), [&](beast::error_code ec, std::size_t n) {
      received.append(chunk.data(), n);
      if (!ec && received.size() < max_bytes) read_more();
    });
  };
  stream.expires_after(std::chrono::seconds(5));
  stream.async_connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
        if (ec) return;
        // The server may answer and close before it has read
        // everything we send: read while writing.
        read_more();
        asio::async_write(stream, asio::buffer(bytes), [](beast::error_code, std::size_t) {});
      });
  io.run();
  return received;
}

}  // namespace lantern::testing
