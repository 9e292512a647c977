#include "discord/gateway_socket.h"

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace lantern::discord {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr std::chrono::seconds kConnectTimeout{30};
constexpr std::chrono::seconds kCloseGrace{2};

template <class NextLayer>
class WsSocket final : public GatewaySocket,
                       public std::enable_shared_from_this<WsSocket<NextLayer>> {
 public:
  static constexpr bool kTls = !std::is_same_v<NextLayer, beast::tcp_stream>;

  template <class... Args>
  WsSocket(asio::any_io_executor executor, std::size_t max_message_bytes, Args&&... args)
      : resolver_(executor), ws_(executor, std::forward<Args>(args)...), grace_(executor) {
    ws_.read_message_max(max_message_bytes);
  }

  void connect(const Endpoint& endpoint, const std::string& target, const std::string& user_agent,
               Handler done) override {
    endpoint_ = endpoint;
    target_ = target;
    user_agent_ = user_agent;
    resolver_.async_resolve(endpoint.host, endpoint.port,
                            [self = this->shared_from_this(), done = std::move(done)](
                                beast::error_code ec, tcp::resolver::results_type results) mutable {
                              if (ec) return done(ec);
                              self->on_resolve(std::move(results), std::move(done));
                            });
  }

  void read(std::string& out, ReadHandler done) override {
    ws_.async_read(buffer_, [self = this->shared_from_this(), &out, done = std::move(done)](
                                beast::error_code ec, std::size_t) {
      if (!ec) {
        const auto data = self->buffer_.data();
        out.append(static_cast<const char*>(data.data()), data.size());
      }
      self->buffer_.clear();
      done(ec, self->ws_.got_binary());
    });
  }

  void write(const std::string& text, Handler done) override {
    ws_.text(true);
    ws_.async_write(asio::buffer(text), [self = this->shared_from_this(), done = std::move(done)](
                                            beast::error_code ec, std::size_t) { done(ec); });
  }

  void close(std::uint16_t code) override {
    if (closing_) return;
    closing_ = true;
    if (!ws_.is_open()) return abort();
    ws_.async_close(websocket::close_reason(code),
                    [self = this->shared_from_this()](beast::error_code) { self->abort(); });
    grace_.expires_after(kCloseGrace);
    grace_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->abort();
    });
  }

  void abort() override {
    grace_.cancel();
    resolver_.cancel();
    beast::get_lowest_layer(ws_).close();
  }

  std::uint16_t server_close_code() const override { return ws_.reason().code; }

  bool is_close(boost::system::error_code ec) const override {
    return ec == websocket::error::closed;
  }

 private:
  void on_resolve(tcp::resolver::results_type results, Handler done) {
    beast::get_lowest_layer(ws_).expires_after(kConnectTimeout);
    beast::get_lowest_layer(ws_).async_connect(
        results, [self = this->shared_from_this(), done = std::move(done)](
                     beast::error_code ec, const tcp::endpoint&) mutable {
          if (ec) return done(ec);
          self->on_connect(std::move(done));
        });
  }

  void on_connect(Handler done) {
    if constexpr (kTls) {
      auto& tls = ws_.next_layer();
      if (!SSL_set_tlsext_host_name(tls.native_handle(), endpoint_.host.c_str())) {
        return done(beast::error_code(static_cast<int>(::ERR_get_error()),
                                      asio::error::get_ssl_category()));
      }
      tls.set_verify_callback(asio::ssl::host_name_verification(endpoint_.host));
      tls.async_handshake(
          asio::ssl::stream_base::client,
          [self = this->shared_from_this(), done = std::move(done)](beast::error_code ec) mutable {
            if (ec) return done(ec);
            self->upgrade(std::move(done));
          });
    } else {
      upgrade(std::move(done));
    }
  }

  void upgrade(Handler done) {
    // From here on the WebSocket's own timeouts apply.
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws_.set_option(
        websocket::stream_base::decorator([agent = user_agent_](websocket::request_type& request) {
          request.set(beast::http::field::user_agent, agent);
        }));
    ws_.async_handshake(endpoint_.host_header(), target_,
                        [self = this->shared_from_this(),
                         done = std::move(done)](beast::error_code ec) { done(ec); });
  }

  tcp::resolver resolver_;
  websocket::stream<NextLayer> ws_;
  asio::steady_timer grace_;
  beast::flat_buffer buffer_;
  Endpoint endpoint_;
  std::string target_;
  std::string user_agent_;
  bool closing_ = false;
};

}  // namespace

std::shared_ptr<GatewaySocket> GatewaySocket::make(asio::any_io_executor executor,
                                                   const Endpoint& endpoint,
                                                   asio::ssl::context* tls,
                                                   std::size_t max_message_bytes) {
  if (endpoint.tls && tls != nullptr) {
    return std::make_shared<WsSocket<beast::ssl_stream<beast::tcp_stream>>>(
        executor, max_message_bytes, *tls);
  }
  return std::make_shared<WsSocket<beast::tcp_stream>>(executor, max_message_bytes);
}

}  // namespace lantern::discord
