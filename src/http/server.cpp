#include "http/server.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/url/parse.hpp>
#include <optional>

#include "http/upgrade.h"

namespace lantern::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

Method to_method(bhttp::verb verb) {
  switch (verb) {
    case bhttp::verb::get:
      return Method::kGet;
    case bhttp::verb::head:
      return Method::kHead;
    case bhttp::verb::post:
      return Method::kPost;
    case bhttp::verb::put:
      return Method::kPut;
    case bhttp::verb::patch:
      return Method::kPatch;
    case bhttp::verb::delete_:
      return Method::kDelete;
    case bhttp::verb::options:
      return Method::kOptions;
    default:
      return Method::kOther;
  }
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Browsers and HTTP libraries send some characters RFC 3986 does not allow in a
// target unescaped, most often the brackets of "user_ids[]=...". Escape those
// before the strict parse instead of rejecting the request.
std::string escape_lenient_characters(std::string_view target) {
  static constexpr std::string_view kLenient = "[]{}|^`\"<>\\";
  std::string out;
  out.reserve(target.size());
  for (const char c : target) {
    if (kLenient.find(c) == std::string_view::npos) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

// Fills path and query from the request target; false when it is not an
// origin-form target ("/path?query").
bool parse_target(std::string_view raw_target, Request& out) {
  const std::string target = escape_lenient_characters(raw_target);
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return false;
  out.path = url->path();
  for (const auto& param : url->params()) {
    out.query.emplace_back(param.key, param.has_value ? param.value : std::string());
  }
  return true;
}

// A Request carrying the wire request's header fields (names lower-cased).
Request with_headers(const bhttp::request<bhttp::string_body>& wire) {
  Request request;
  for (const auto& field : wire) {
    request.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
  }
  return request;
}

// A file descriptor held in reserve: when accept() fails with EMFILE we give it
// up for a moment to accept the connection and tell the client 503 instead of
// leaving it hanging in the backlog.
class ReserveDescriptor {
 public:
  ReserveDescriptor() { fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC); }
  ~ReserveDescriptor() { release(); }
  void release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void restore() {
    if (fd_ < 0) fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }

 private:
  int fd_ = -1;
};

// What every connection shares; kept alive by the connections themselves so
// that a connection still finishing its request when the server is destroyed
// never touches freed memory.
struct Context {
  ServerOptions options;
  const Router& router;
  UpgradeHandler on_upgrade;
  RequestObserver observer;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<const Context> context)
      : stream_(std::move(socket)),
        context_(std::move(context)),
        options_(context_->options),
        router_(context_->router),
        on_upgrade_(context_->on_upgrade),
        observer_(context_->observer) {
    beast::error_code ec;
    const auto remote = stream_.socket().remote_endpoint(ec);
    peer_ = ec ? std::string("unknown") : remote.address().to_string();
  }

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(options_.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(options_.header_limit));
    stream_.expires_after(options_.idle_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == beast::error::timeout || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted) {
      return close();
    }
    if (ec) return reject_malformed(ec);
    started_ = Clock::now();
    auto& wire = parser_->get();
    if (beast::websocket::is_upgrade(wire) && on_upgrade_) {
      std::string_view target = wire.target();
      if (target == "/socket" || target.starts_with("/socket?")) return hand_off_upgrade();
    }
    Request request = with_headers(wire);
    request.method = to_method(wire.method());
    request.client_address =
        client_address(request, peer_, options_.trust_proxy, options_.trusted_proxies);
    keep_alive_ = wire.keep_alive();
    method_ = request.method;
    if (!parse_target(wire.target(), request)) {
      keep_alive_ = false;
      return write(json_error(400, "Malformed request target."));
    }
    path_ = request.path;
    request.body = std::move(wire.body());
    router_.dispatch(request, [self = shared_from_this()](Response response) {
      // The handler may answer from another thread: get back on our strand.
      asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->write(std::move(response));
      });
    });
  }

  void hand_off_upgrade() {
    stream_.expires_never();
    const Request headers = with_headers(parser_->get());
    UpgradeRequest upgrade{
        stream_.release_socket(), parser_->release(),
        client_address(headers, peer_, options_.trust_proxy, options_.trusted_proxies)};
    on_upgrade_(std::move(upgrade));
  }

  void reject_malformed(beast::error_code ec) {
    keep_alive_ = false;
    method_ = Method::kOther;
    path_.clear();  // logged as "-"
    started_ = Clock::now();
    if (ec == bhttp::error::body_limit) {
      return write(json_error(413, "Request body is too large."));
    }
    if (ec == bhttp::error::header_limit) {
      return write(json_error(431, "Request header fields are too large."));
    }
    spdlog::debug("http: malformed request from {}: {}", peer_, ec.message());
    write(json_error(400, "Malformed HTTP request."));
  }

  void write(Response response) {
    add_common_headers(response);
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>();
    message->version(11);
    message->result(response.status);
    message->set(bhttp::field::server, "lantern");
    if (!response.content_type.empty()) {
      message->set(bhttp::field::content_type, response.content_type);
    }
    for (auto& [name, value] : response.headers) message->insert(name, value);
    message->keep_alive(keep_alive_);
    const std::size_t length = response.body.size();
    if (method_ != Method::kHead) message->body() = std::move(response.body);
    message->content_length(length);
    record(response.status);
    bhttp::async_write(stream_, *message,
                       [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
                         self->on_write(ec);
                       });
  }

  void on_write(beast::error_code ec) {
    if (ec || !keep_alive_) return close();
    do_read();
  }

  void record(unsigned status) {
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_);
    if (options_.access_log) {
      spdlog::info("http: {} {} {} {} {:.3f}ms", status, to_string(method_),
                   path_.empty() ? std::string_view("-") : std::string_view(path_), peer_,
                   static_cast<double>(elapsed.count()) / 1000.0);
    }
    if (observer_) observer_(RequestRecord{method_, path_, status, elapsed});
  }

  // A lingering close: stop sending, then read and discard what the client is
  // still sending (for a while, up to a bound) before closing. Closing a socket
  // with unread input makes the kernel send RST, which can destroy the error
  // response we just wrote before the client reads it (a 413 for a big body).
  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return stream_.socket().close(ec);
    stream_.expires_after(std::chrono::seconds(2));
    drain(0);
  }

  void drain(std::size_t drained) {
    static constexpr std::size_t kMaxDrain = 16 * 1024 * 1024;
    if (drained > kMaxDrain) {
      beast::error_code ec;
      return stream_.socket().close(ec);
    }
    stream_.async_read_some(asio::buffer(scratch_), [self = shared_from_this(), drained](
                                                        beast::error_code ec, std::size_t n) {
      if (ec) {
        beast::error_code ignored;
        return self->stream_.socket().close(ignored);
      }
      self->drain(drained + n);
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::array<char, 4096> scratch_{};  // sink for lingering-close reads
  std::shared_ptr<const Context> context_;
  const ServerOptions& options_;
  const Router& router_;
  const UpgradeHandler& on_upgrade_;
  const RequestObserver& observer_;
  std::string peer_;
  std::string path_;
  Method method_ = Method::kGet;
  bool keep_alive_ = false;
  Clock::time_point started_;
};

}  // namespace

class Server::Impl : public std::enable_shared_from_this<Server::Impl> {
 public:
  Impl(asio::io_context& io, ServerOptions options, const Router& router, UpgradeHandler on_upgrade,
       RequestObserver observer)
      : io_(io),
        acceptor_(asio::make_strand(io)),
        context_(std::make_shared<const Context>(
            Context{std::move(options), router, std::move(on_upgrade), std::move(observer)})),
        options_(context_->options),
        backoff_(acceptor_.get_executor()) {}

  void start() {
    const auto address = asio::ip::make_address(options_.bind_address);
    const tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    acceptor_.non_blocking(true);  // refuse_overloaded() must never wait in accept()
    port_ = acceptor_.local_endpoint().port();
    do_accept();
  }

  void stop_accepting() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

  std::uint16_t port() const { return port_; }

 private:
  void do_accept() {
    acceptor_.async_accept(asio::make_strand(io_),
                           [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                             self->on_accept(ec, std::move(socket));
                           });
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec == asio::error::no_descriptors || ec.value() == ENFILE) return refuse_overloaded();
    if (!ec) {
      std::make_shared<Session>(std::move(socket), context_)->start();
    }
    do_accept();
  }

  // Out of file descriptors: free the reserve, take the waiting connection,
  // answer 503 and close it, then take the reserve back. The acceptor is
  // non-blocking, so this never waits; when there is nothing to take (or the
  // freed descriptor went elsewhere) accepting resumes after a short pause
  // instead of spinning on a full descriptor table.
  void refuse_overloaded() {
    reserve_.release();
    beast::error_code ec;
    tcp::socket socket(io_);
    acceptor_.accept(socket, ec);
    if (!ec) {
      static constexpr std::string_view kBusy =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; "
          "charset=utf-8\r\nAccess-Control-Allow-Origin: *\r\nRetry-After: 5\r\n"
          "Connection: close\r\nContent-Length: 49\r\n\r\n"
          "{\"error\":\"The server is at its connection limit.\"}";
      asio::write(socket, asio::buffer(kBusy.data(), kBusy.size()), ec);
      socket.close(ec);
      ++refused_;
      if ((refused_ & (refused_ - 1)) == 0) {
        spdlog::warn("http: out of file descriptors, refused {} connection(s) with 503", refused_);
      }
    }
    reserve_.restore();
    backoff_.expires_after(std::chrono::milliseconds(ec ? 50 : 0));
    backoff_.async_wait([self = shared_from_this()](beast::error_code) { self->do_accept(); });
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  std::shared_ptr<const Context> context_;
  const ServerOptions& options_;
  ReserveDescriptor reserve_;
  asio::steady_timer backoff_;
  std::uint64_t refused_ = 0;
  std::uint16_t port_ = 0;
};

Server::Server(asio::io_context& io, ServerOptions options, const Router& router,
               UpgradeHandler on_upgrade, RequestObserver observer)
    : impl_(std::make_shared<Impl>(io, std::move(options), router, std::move(on_upgrade),
                                   std::move(observer))) {}

Server::~Server() {
  impl_->stop_accepting();
}

void Server::start() {
  impl_->start();
}
void Server::stop_accepting() {
  impl_->stop_accepting();
}
std::uint16_t Server::port() const {
  return impl_->port();
}

}  // namespace lantern::http
