#include "http/socket_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <mutex>
#include <vector>

#include "http/upgrade.h"
#include "hub/encode.h"
#include "hub/rate_limiter.h"

namespace lantern::http {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using hub::CloseCode;
using std::chrono::milliseconds;

// Bytes asked of the socket per read: small, so that a session waiting for its
// next message holds a small buffer (idle sessions must stay small).
constexpr std::size_t kReadChunk = 512;
// An empty outbox keeps at most this many slots of capacity.
constexpr std::size_t kOutboxKeep = 16;

std::int64_t steady_now_ms() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool wants_zlib_json(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return false;
  for (auto param : url->params()) {
    if (param.key == "compression" && param.has_value && param.value == "zlib_json") return true;
  }
  return false;
}

// permessage-deflate with small windows and no context takeover: a session
// keeps a few KiB of zlib state instead of ~300 KiB with the defaults.
websocket::permessage_deflate deflate_options() {
  websocket::permessage_deflate pmd;
  pmd.server_enable = true;
  pmd.server_max_window_bits = 10;
  pmd.client_max_window_bits = 10;
  pmd.server_no_context_takeover = true;
  pmd.client_no_context_takeover = true;
  pmd.memLevel = 2;
  pmd.compLevel = 6;
  pmd.msg_size_threshold = 128;
  return pmd;
}

// Ends caused by the peer or by us; anything else is worth a warning. A client
// breaking the WebSocket protocol (bad UTF-8, bad frames) is the client's problem.
bool is_expected(const beast::error_code& ec) {
  return ec == websocket::error::closed || ec == websocket::condition::protocol_violation ||
         ec == net::error::operation_aborted || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == beast::error::timeout || ec == net::error::bad_descriptor;
}

class SocketSession final : public hub::SessionSink,
                            public std::enable_shared_from_this<SocketSession> {
 public:
  SocketSession(net::ip::tcp::socket&& socket, SocketServices& services,
                std::unique_ptr<hub::AddressLimiter::Ticket> ticket, bool zlib_json)
      : ws_(std::move(socket)),
        services_(services),
        options_(services.options()),
        ticket_(std::move(ticket)),
        zlib_json_(zlib_json),
        init_timer_(ws_.get_executor()),
        heartbeat_timer_(ws_.get_executor()),
        close_timer_(ws_.get_executor()),
        rate_(options_.inbound_rate, options_.inbound_rate_window_ms, steady_now_ms()) {}

  void run(beast::http::request<beast::http::string_body> request) {
    ws_.set_option(deflate_options());
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = milliseconds(options_.close_grace_ms);
    timeout.idle_timeout = websocket::stream_base::none();  // our heartbeat timer reaps
    timeout.keep_alive_pings = false;
    ws_.set_option(timeout);
    ws_.read_message_max(0);  // the limit is enforced in on_read, with a DISCONNECT
    ws_.binary(zlib_json_);
    ws_.compress(!zlib_json_);  // zlib_json frames are compressed already
    request_ = std::make_unique<decltype(request)>(std::move(request));
    ws_.async_accept(*request_,
                     beast::bind_front_handler(&SocketSession::on_accept, shared_from_this()));
  }

  // ---- hub::SessionSink (any thread) ----------------------------------------

  // The byte bound applies to the frames waiting behind the head of the outbox
  // (the frame being written): one frame larger than max_backlog_bytes (an
  // INIT_ACK for All in a big guild) is sent, and events arriving meanwhile
  // still fit. The frame bound counts the head too.
  void send(hub::FramePtr frame) override {
    std::lock_guard lock(mutex_);
    if (closing_) return;
    const std::size_t bytes = payload(*frame).size();
    const std::size_t frames = outbox_.size() - outbox_head_;
    const std::size_t behind =
        frames == 0 ? 0 : bytes + outbox_bytes_ - payload(*outbox_[outbox_head_]).size();
    if (frames + 1 > options_.max_backlog_frames || behind > options_.max_backlog_bytes) {
      services_.stats().backlog_cutoffs++;
      return begin_close_locked(CloseCode::kLimit, hub::reason::kBacklog, /*drop_queued=*/true);
    }
    push_locked(std::move(frame), bytes);
    record_peak(services_.stats().peak_backlog_bytes, behind);
    record_peak(services_.stats().peak_backlog_frames, frames + 1);
    schedule_write_locked();
  }

  void close(CloseCode code, std::string_view reason) override {
    std::lock_guard lock(mutex_);
    if (!closing_) begin_close_locked(code, reason, /*drop_queued=*/false);
  }

 private:
  // ---- handshake ----------------------------------------------------------------

  void on_accept(beast::error_code ec) {
    request_.reset();
    if (ec) return fail(ec, "accept");
    accepted_ = true;
    services_.stats().open++;
    services_.stats().accepted++;
    {
      std::lock_guard lock(mutex_);
      ready_ = true;
      schedule_write_locked();
    }
    if (!ticket_) return close(CloseCode::kLimit, hub::reason::kTooManySessions);
    session_ = services_.hub().open(weak_from_this());
    start_timer(init_timer_, options_.init_timeout_ms, &SocketSession::on_init_deadline);
    restart_heartbeat_timer();
    do_read();
  }

  // ---- reading ------------------------------------------------------------------

  void do_read() {
    const std::size_t room = options_.max_payload + 1 - buffer_.size();
    ws_.async_read_some(buffer_, std::min(room, kReadChunk),
                        beast::bind_front_handler(&SocketSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (finished_) return;
    if (ec) return fail(ec, "read");
    if (is_closing()) return;  // the close handshake reads from here on
    if (ws_.got_binary()) return close(CloseCode::kInvalidPayload, hub::reason::kBinary);
    if (buffer_.size() > options_.max_payload) {
      return close(CloseCode::kTooBig, hub::reason::kTooBig);
    }
    if (!ws_.is_message_done()) return do_read();
    if (!rate_.try_acquire(steady_now_ms())) {
      return close(CloseCode::kRateLimited, hub::reason::kRateLimited);
    }
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.clear();
    buffer_.shrink_to_fit();
    switch (services_.hub().on_text(session_, text)) {
      case hub::Hub::Inbound::kHeartbeat:
        restart_heartbeat_timer();
        break;
      case hub::Hub::Inbound::kAccepted:
        break;
      case hub::Hub::Inbound::kRejected:
        return;
    }
    do_read();
  }

  // ---- writing: one write in flight, the outbox bounded in send() -----------------

  const std::string& payload(const hub::Frame& frame) const {
    return zlib_json_ ? frame.zlib() : frame.json();
  }

  void push_locked(hub::FramePtr frame, std::size_t bytes) {
    outbox_.push_back(std::move(frame));
    outbox_bytes_ += bytes;
  }

  void schedule_write_locked() {
    if (!ready_ || writing_ || outbox_head_ == outbox_.size()) return;
    writing_ = true;
    net::post(ws_.get_executor(), [self = shared_from_this()] { self->do_write(); });
  }

  void do_write() {
    bool start_close = false;
    {
      std::lock_guard lock(mutex_);
      if (outbox_head_ == outbox_.size()) {
        writing_ = false;
        start_close = closing_ && !close_started_;
        close_started_ = close_started_ || start_close;
      } else {
        in_flight_ = outbox_[outbox_head_];
      }
    }
    if (start_close) return do_close();
    if (!in_flight_) return;
    ws_.async_write(net::buffer(payload(*in_flight_)),
                    beast::bind_front_handler(&SocketSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (finished_) return;
    if (ec) return fail(ec, "write");
    {
      std::lock_guard lock(mutex_);
      outbox_bytes_ -= payload(*in_flight_).size();
      pop_front_locked();
    }
    in_flight_.reset();
    do_write();
  }

  void pop_front_locked() {
    if (++outbox_head_ < outbox_.size()) return;
    outbox_.clear();
    outbox_head_ = 0;
    if (outbox_.capacity() > kOutboxKeep) outbox_.shrink_to_fit();
  }

  // ---- closing --------------------------------------------------------------------

  bool is_closing() {
    std::lock_guard lock(mutex_);
    return closing_;
  }

  // Queues DISCONNECT (after the queued frames, or instead of them for a
  // backlog cut-off: the frame being written stays) and arms the grace timer.
  void begin_close_locked(CloseCode code, std::string_view reason, bool drop_queued) {
    closing_ = true;
    close_code_ = code;
    if (drop_queued) drop_queued_locked();
    auto disconnect = hub::encode_disconnect(reason);
    push_locked(disconnect, payload(*disconnect).size());
    schedule_write_locked();
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      if (self->finished_) return;
      start_timer(self->close_timer_, self->options_.close_grace_ms,
                  &SocketSession::on_close_deadline, self);
    });
  }

  void drop_queued_locked() {
    const std::size_t keep = writing_ && in_flight_pending_locked() ? 1 : 0;
    for (std::size_t i = outbox_head_ + keep; i < outbox_.size(); ++i) {
      outbox_bytes_ -= payload(*outbox_[i]).size();
    }
    outbox_.resize(outbox_head_ + keep);
  }

  // True when the head of the outbox is being written (or about to be).
  bool in_flight_pending_locked() const { return outbox_head_ < outbox_.size(); }

  void do_close() {
    ws_.async_close(websocket::close_reason(hub::to_int(close_code_)),
                    beast::bind_front_handler(&SocketSession::on_close, shared_from_this()));
  }

  void on_close(beast::error_code ec) { fail(ec, "close"); }

  void on_close_deadline(beast::error_code ec) {
    if (ec != net::error::operation_aborted) fail(beast::error::timeout, "close grace");
  }

  // ---- timers ---------------------------------------------------------------------

  using TimerHandler = void (SocketSession::*)(beast::error_code);

  static void start_timer(net::steady_timer& timer, std::int64_t ms, TimerHandler handler,
                          const std::shared_ptr<SocketSession>& self) {
    timer.expires_after(milliseconds(ms));
    timer.async_wait(beast::bind_front_handler(handler, self));
  }
  void start_timer(net::steady_timer& timer, std::int64_t ms, TimerHandler handler) {
    start_timer(timer, ms, handler, shared_from_this());
  }

  void restart_heartbeat_timer() {
    start_timer(heartbeat_timer_, options_.heartbeat_timeout_ms(),
                &SocketSession::on_heartbeat_deadline);
  }

  void on_init_deadline(beast::error_code ec) {
    if (!ec && session_) services_.hub().init_deadline_passed(session_);
  }

  void on_heartbeat_deadline(beast::error_code ec) {
    if (!ec) close(CloseCode::kTimedOut, hub::reason::kTimedOut);
  }

  // ---- the end ----------------------------------------------------------------------

  // Every way a session ends comes here (strand), once or more; the first call
  // releases everything.
  void fail(beast::error_code ec, const char* what) {
    if (finished_) return;
    finished_ = true;
    if (ec && !is_expected(ec)) spdlog::warn("socket {}: {}", what, ec.message());
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
      outbox_.clear();
      outbox_head_ = 0;
      outbox_bytes_ = 0;
    }
    init_timer_.cancel();
    heartbeat_timer_.cancel();
    close_timer_.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    if (session_) services_.hub().end(session_);
    if (accepted_) services_.stats().open--;
    ticket_.reset();
  }

  static void record_peak(std::atomic<std::uint64_t>& peak, std::uint64_t value) {
    std::uint64_t seen = peak.load(std::memory_order_relaxed);
    while (value > seen && !peak.compare_exchange_weak(seen, value)) {
    }
  }

  websocket::stream<beast::tcp_stream> ws_;
  SocketServices& services_;
  const hub::Options& options_;
  std::unique_ptr<hub::AddressLimiter::Ticket> ticket_;
  const bool zlib_json_;
  std::unique_ptr<beast::http::request<beast::http::string_body>> request_;  // during accept
  beast::flat_buffer buffer_;  // the message being read
  net::steady_timer init_timer_;
  net::steady_timer heartbeat_timer_;
  net::steady_timer close_timer_;
  hub::RateLimiter rate_;
  hub::SessionPtr session_;
  hub::FramePtr in_flight_;  // the frame async_write is sending
  bool accepted_ = false;
  bool finished_ = false;

  // The outbox: send() and close() come from any thread.
  std::mutex mutex_;
  std::vector<hub::FramePtr> outbox_;  // unsent frames from outbox_head_ on
  std::size_t outbox_head_ = 0;
  std::size_t outbox_bytes_ = 0;
  bool ready_ = false;    // handshake done: writes may start
  bool writing_ = false;  // a do_write is posted or a write is in flight
  bool closing_ = false;  // DISCONNECT queued: no more frames accepted
  bool close_started_ = false;
  CloseCode close_code_ = CloseCode::kNormal;
};

}  // namespace

void start_socket_session(UpgradeRequest&& upgrade, SocketServices& services) {
  auto ticket = services.addresses().try_acquire(upgrade.client_address);
  const bool zlib_json = wants_zlib_json(upgrade.request.target());
  auto session = std::make_shared<SocketSession>(std::move(upgrade.socket), services,
                                                 std::move(ticket), zlib_json);
  session->run(std::move(upgrade.request));
}

}  // namespace lantern::http
