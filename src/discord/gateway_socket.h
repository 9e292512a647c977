// GatewaySocket: one WebSocket connection to a gateway URL, plain (ws://) or
// TLS (wss://, verified against the TLS context with SNI and a host name
// check). Private to the gateway client: it keeps Beast out of
// gateway_client.cpp's state machine and lets one state machine drive both
// transports.
//
// Contract: every method is called, and every handler runs, on the executor the
// socket was made with. At most one read and one write are outstanding. The
// socket keeps itself alive while an operation is pending.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "discord/endpoint.h"

namespace boost::asio::ssl {
class context;
}

namespace lantern::discord {

class GatewaySocket {
 public:
  using Handler = std::function<void(boost::system::error_code)>;
  // `binary` tells a binary frame (zlib-stream) from a text frame.
  using ReadHandler = std::function<void(boost::system::error_code, bool binary)>;

  virtual ~GatewaySocket() = default;

  // TCP connect (+ TLS handshake) + WebSocket upgrade to `target`.
  virtual void connect(const Endpoint& endpoint, const std::string& target,
                       const std::string& user_agent, Handler done) = 0;
  // Reads one whole message, appended to `out` (which must outlive the read).
  virtual void read(std::string& out, ReadHandler done) = 0;
  // Sends one text frame; `text` must stay alive until `done`.
  virtual void write(const std::string& text, Handler done) = 0;
  // Sends a close frame with `code`, then drops the TCP connection (at the
  // latest after a short grace period). Pending operations complete with errors.
  virtual void close(std::uint16_t code) = 0;
  // Drops the TCP connection without a close frame.
  virtual void abort() = 0;
  // The close code the server sent, 0 when none was received.
  virtual std::uint16_t server_close_code() const = 0;
  // True when `ec` (from read) means the server sent a close frame.
  virtual bool is_close(boost::system::error_code ec) const = 0;

  // `tls` may be null for ws:// endpoints. `max_message_bytes` bounds one message.
  static std::shared_ptr<GatewaySocket> make(boost::asio::any_io_executor executor,
                                             const Endpoint& endpoint,
                                             boost::asio::ssl::context* tls,
                                             std::size_t max_message_bytes);
};

}  // namespace lantern::discord
