#include "test_image_server.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "card_samples.h"

namespace lantern::card::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

TestImageServer::TestImageServer() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
  port_ = acceptor_.local_endpoint().port();
  accept();
  io_thread_ = std::thread([this] { io_.run(); });
}

TestImageServer::~TestImageServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  asio::post(io_, [this] { acceptor_.close(); });
  io_thread_.join();
  for (auto& t : connections_) t.join();
}

std::string TestImageServer::base() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}
std::string TestImageServer::url(const std::string& path) const {
  return base() + path;
}

int TestImageServer::hits(const std::string& path) const {
  std::lock_guard lock(mutex_);
  auto it = hits_.find(path);
  return it == hits_.end() ? 0 : it->second;
}

bool TestImageServer::wait_for_hits(const std::string& path, int count) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, std::chrono::seconds(10), [&] {
    auto it = hits_.find(path);
    return it != hits_.end() && it->second >= count;
  });
}

void TestImageServer::open_gate() {
  {
    std::lock_guard lock(mutex_);
    gate_open_ = true;
  }
  changed_.notify_all();
}

std::string TestImageServer::ok_png() {
  static const std::string png = solid_png(4, 4, 10, 200, 30);
  return png;
}

void TestImageServer::accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;
    std::lock_guard lock(mutex_);
    connections_.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
    accept();
  });
}

bool TestImageServer::wait_until_open_or_stopped(bool gate) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return stopping_ || (gate && gate_open_); });
  return !stopping_;
}

void TestImageServer::serve(tcp::socket socket) {
  beast::error_code ec;
  beast::flat_buffer buffer;
  http::request<http::empty_body> req;
  http::read(socket, buffer, req, ec);
  if (ec) return;
  std::string path(req.target());
  path = path.substr(0, path.find('?'));
  {
    std::lock_guard lock(mutex_);
    ++hits_[path];
  }
  changed_.notify_all();

  http::response<http::string_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "image/png");
  if (path == "/ok.png" || path.starts_with("/cdn/")) {
    res.body() = ok_png();
  } else if (path == "/big.png") {
    res.body() = ok_png() + std::string(2u << 20, 'x');
  } else if (path == "/text") {
    res.set(http::field::content_type, "text/html");
    res.body() = "<html></html>";
  } else if (path == "/liar.png") {
    res.body() = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
  } else if (path.starts_with("/redirect/")) {
    const int n = std::stoi(path.substr(10));
    res.result(http::status::found);
    res.set(http::field::location, n == 0 ? "/ok.png" : "/redirect/" + std::to_string(n - 1));
  } else if (path == "/slow.png") {
    wait_until_open_or_stopped(false);
    return;
  } else if (path == "/gated.png") {
    if (!wait_until_open_or_stopped(true)) return;
    res.body() = ok_png();
  } else {
    res.result(http::status::not_found);
    res.set(http::field::content_type, "text/plain");
    res.body() = "not found";
  }
  res.prepare_payload();
  http::write(socket, res, ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
}

}  // namespace lantern::card::testing
