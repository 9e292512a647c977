#include "discord/rest_client.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cerrno>
#include <charconv>
#include <deque>
#include <random>
#include <stdexcept>
#include <unordered_map>

#include "discord/backoff.h"
#include "discord/endpoint.h"
#include "discord/rest_rate_limits.h"

namespace lantern::discord {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::any_io_executor>;
using Clock = std::chrono::steady_clock;

// What one HTTP exchange produced.
struct Outcome {
  beast::error_code ec;
  std::string what;  // the step that failed ("connect", "read", ...)
  int status = 0;
  RateLimitHeaders limits;
  std::string body;
  bool reusable = false;        // the connection may carry another request
  bool request_sent = false;    // on error: the request was written completely
  bool answer_started = false;  // on error: some bytes of an answer had arrived
};

std::optional<double> header_number(const http::fields& fields, std::string_view name) {
  auto it = fields.find(name);
  if (it == fields.end()) return std::nullopt;
  std::string_view text = it->value();
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc()) return std::nullopt;
  return value;
}

std::optional<std::string> header_text(const http::fields& fields, std::string_view name) {
  auto it = fields.find(name);
  if (it == fields.end()) return std::nullopt;
  return std::string(it->value());
}

RateLimitHeaders read_limits(const http::fields& fields) {
  RateLimitHeaders out;
  if (auto remaining = header_number(fields, "X-RateLimit-Remaining")) {
    out.remaining = static_cast<long>(*remaining);
  }
  out.reset_after_s = header_number(fields, "X-RateLimit-Reset-After");
  out.bucket = header_text(fields, "X-RateLimit-Bucket");
  out.scope = header_text(fields, "X-RateLimit-Scope");
  out.global = header_text(fields, "X-RateLimit-Global") == "true";
  out.retry_after_s = header_number(fields, "Retry-After");
  return out;
}

// One keep-alive connection to the API host, in the style of Beast's client
// examples: it owns its stream, buffer and parser, connects on first use, and
// carries exchanges (write a request, read its answer) one after the other.
// All handlers run on the strand the connection was given.
class Connection {
 public:
  using Done = std::function<void(Outcome)>;
  using Request = http::request<http::string_body>;

  virtual ~Connection() = default;
  // Sends `request` and reads its answer, connecting first when needed. One
  // exchange at a time; `done` is called exactly once.
  virtual void exchange(std::shared_ptr<Request> request, Done done) = 0;
  // Whether an idle connection can carry another request: still open, the
  // server has not closed it, and no bytes arrived that nobody asked for.
  virtual bool usable() = 0;
  virtual void close() = 0;
};

template <class Stream>
class StreamConnection final : public Connection,
                               public std::enable_shared_from_this<StreamConnection<Stream>> {
 public:
  StreamConnection(Strand strand, std::unique_ptr<Stream> stream, const Endpoint& endpoint,
                   std::chrono::milliseconds timeout, std::size_t max_body)
      : resolver_(strand),
        stream_(std::move(stream)),
        endpoint_(endpoint),
        timeout_(timeout),
        max_body_(max_body) {}

  void exchange(std::shared_ptr<Request> request, Done done) override {
    request_ = std::move(request);
    done_ = std::move(done);
    written_ = false;
    parser_.emplace();
    parser_->body_limit(max_body_);
    if (connected_) return write();
    resolver_.async_resolve(endpoint_.host, endpoint_.port,
                            [self = this->shared_from_this()](beast::error_code ec,
                                                              tcp::resolver::results_type results) {
                              self->on_resolve(ec, std::move(results));
                            });
  }

  bool usable() override {
    auto& socket = tcp().socket();
    if (!connected_ || !socket.is_open() || buffer_.size() != 0) return false;
    // A peek that would block means nothing is pending: the connection is
    // open and quiet. 0 = the server closed it; data = a stray answer or a
    // TLS alert. Either way it cannot carry a request.
    char byte = 0;
    const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  void close() override {
    connected_ = false;
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().close();
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  beast::tcp_stream& tcp() { return beast::get_lowest_layer(*stream_); }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return fail(ec, "resolve");
    tcp().expires_after(timeout_);
    tcp().async_connect(
        results, [self = this->shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
          self->on_connect(ec);
        });
  }

  void on_connect(beast::error_code ec) {
    if (ec) return fail(ec, "connect");
    if constexpr (kTls) {
      if (!SSL_set_tlsext_host_name(stream_->native_handle(), endpoint_.host.c_str())) {
        return fail(
            beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()),
            "tls sni");
      }
      stream_->set_verify_callback(asio::ssl::host_name_verification(endpoint_.host));
      stream_->async_handshake(
          asio::ssl::stream_base::client,
          [self = this->shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
    } else {
      connected_ = true;
      write();
    }
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return fail(ec, "tls handshake");
    connected_ = true;
    write();
  }

  void write() {
    tcp().expires_after(timeout_);
    http::async_write(*stream_, *request_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_write(ec);
                      });
  }

  void on_write(beast::error_code ec) {
    if (ec) return fail(ec, "write");
    written_ = true;
    http::async_read(*stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec) return fail(ec, "read");
    tcp().expires_never();
    auto& response = parser_->get();
    Outcome outcome;
    outcome.status = static_cast<int>(response.result_int());
    outcome.limits = read_limits(response.base());
    // `Connection: close`, HTTP/1.0, or a body that ended with the connection.
    outcome.reusable = response.keep_alive() && !parser_->need_eof() && buffer_.size() == 0;
    outcome.body = std::move(response.body());
    if (!outcome.reusable) close();
    finish(std::move(outcome));
  }

  void fail(beast::error_code ec, const char* what) {
    Outcome outcome;
    outcome.ec = ec;
    outcome.what = what;
    outcome.request_sent = written_;
    outcome.answer_started = parser_ && parser_->got_some();
    close();
    finish(std::move(outcome));
  }

  void finish(Outcome outcome) {
    request_.reset();
    Done done = std::move(done_);
    done_ = nullptr;
    done(std::move(outcome));
  }

  tcp::resolver resolver_;
  std::unique_ptr<Stream> stream_;
  Endpoint endpoint_;
  std::chrono::milliseconds timeout_;
  std::size_t max_body_;
  bool connected_ = false;  // connected (and TLS established); cleared by close()
  std::shared_ptr<Request> request_;
  bool written_ = false;  // the current request was written completely
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  Done done_;
};

// Methods whose repetition has the effect of one request (RFC 9110 9.2.2).
bool idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

std::string route_key(const RestRequest& request) {
  if (!request.route.empty()) return request.route;
  const std::string_view path = request.path;
  return request.method + " " + std::string(path.substr(0, path.find('?')));
}

std::string excerpt(const std::string& body) {
  return body.size() > 300 ? body.substr(0, 300) + "..." : body;
}

}  // namespace

class RestClient::Impl : public std::enable_shared_from_this<RestClient::Impl> {
 public:
  Impl(asio::any_io_executor executor, RestOptions options)
      : strand_(asio::make_strand(executor)),
        options_(std::move(options)),
        user_agent_("DiscordBot (https://github.com/lantern-presence/lantern, " + options_.version +
                    ")"),
        idle_timer_(strand_),
        rng_(std::random_device{}()) {
    std::string error;
    auto endpoint = parse_endpoint(options_.api_base, &error);
    if (!endpoint) throw std::invalid_argument("discord.api_base: " + error);
    endpoint_ = *endpoint;
    if (endpoint_.tls) tls_ = make_tls_client_context(options_.tls);
  }

  const std::string& user_agent() const { return user_agent_; }

  void request(RestRequest request, Callback done) {
    asio::post(strand_, [self = shared_from_this(), request = std::move(request),
                         done = std::move(done)]() mutable {
      self->enqueue(std::move(request), std::move(done));
    });
  }

  void stop() {
    asio::post(strand_, [self = shared_from_this()] { self->stop_on_strand(); });
  }

 private:
  struct Pending {
    RestRequest request;
    Callback done;
    int attempts = 0;
    int failures = 0;      // 5xx and network errors so far
    int rate_limited = 0;  // 429s so far
  };
  struct RouteQueue {
    std::deque<Pending> items;
    bool busy = false;  // a request in flight or a wait timer pending
    std::shared_ptr<asio::steady_timer> timer;
  };

  void enqueue(RestRequest request, Callback done) {
    if (stopped_) return complete(std::move(done), RestResult{0, {}, "stopped", 0});
    if (queued_ >= options_.max_queued) {
      return complete(std::move(done), RestResult{0, {}, "REST queue full", 0});
    }
    const std::string route = route_key(request);
    queues_[route].items.push_back(Pending{std::move(request), std::move(done)});
    ++queued_;
    pump(route);
  }

  void pump(const std::string& route) {
    auto it = queues_.find(route);
    if (it == queues_.end()) return;
    RouteQueue& queue = it->second;
    if (queue.busy) return;
    if (queue.items.empty()) {
      queues_.erase(it);  // keeps the map bounded by the routes with work
      return;
    }
    const auto now = Clock::now();
    const auto ready = limits_.ready_at(route, now);
    queue.busy = true;
    if (ready > now) return wait_then_pump(route, ready - now);
    send(route, queue.items.front());
  }

  void wait_then_pump(const std::string& route, Clock::duration delay) {
    RouteQueue& queue = queues_[route];
    queue.busy = true;
    if (!queue.timer) queue.timer = std::make_shared<asio::steady_timer>(strand_);
    queue.timer->expires_after(delay);
    queue.timer->async_wait([self = shared_from_this(), route](beast::error_code ec) {
      if (ec || self->stopped_) return;
      self->queues_[route].busy = false;
      self->pump(route);
    });
  }

  http::request<http::string_body> build(const RestRequest& request) {
    http::request<http::string_body> message;
    message.method_string(request.method);
    message.target(endpoint_.target(request.path));
    message.version(11);
    message.set(http::field::host, endpoint_.host_header());
    message.set(http::field::authorization, "Bot " + options_.token);
    message.set(http::field::user_agent, user_agent_);
    if (options_.max_idle_connections == 0) message.set(http::field::connection, "close");
    if (!request.files.empty()) {
      const std::string boundary = "lantern-" + std::to_string(rng_()) + std::to_string(rng_());
      message.set(http::field::content_type, "multipart/form-data; boundary=" + boundary);
      message.body() = build_multipart_body(request.json_body, request.files, boundary);
    } else if (!request.json_body.empty()) {
      message.set(http::field::content_type, "application/json");
      message.body() = request.json_body;
    }
    message.prepare_payload();
    return message;
  }

  void send(const std::string& route, Pending& pending) {
    ++pending.attempts;
    limits_.on_sent(route, Clock::now());
    auto message = std::make_shared<http::request<http::string_body>>(build(pending.request));
    std::shared_ptr<Connection> connection = checkout();
    const bool reused = connection != nullptr;
    if (!reused) connection = open_connection();
    run_exchange(route, std::move(connection), std::move(message), reused);
  }

  void run_exchange(const std::string& route, std::shared_ptr<Connection> connection,
                    std::shared_ptr<http::request<http::string_body>> message, bool reused) {
    // The connection stores this callback, so it holds the connection weakly:
    // a strong reference would be a cycle that outlives an io_context destroyed
    // with the exchange in flight. While the exchange runs, the connection's
    // own pending operation keeps it alive, so the lock succeeds when it ends.
    auto* raw = connection.get();
    raw->exchange(
        message, [self = shared_from_this(), route, weak = std::weak_ptr<Connection>(connection),
                  message, reused](Outcome outcome) mutable {
          self->on_exchanged(route, weak.lock(), std::move(message), reused, std::move(outcome));
        });
  }

  void on_exchanged(const std::string& route, std::shared_ptr<Connection> connection,
                    std::shared_ptr<http::request<http::string_body>> message, bool reused,
                    Outcome outcome) {
    // A kept-alive connection the server closed while we picked it up: the
    // request failed before any answer. When it was not even written, the
    // server cannot have acted on it; when it was, only a method whose
    // repetition is harmless is sent again. Once, on a new connection, and
    // not counted as a failure (the server never saw a bad request).
    if (outcome.ec && reused && !outcome.answer_started && !stopped_ &&
        (!outcome.request_sent || idempotent(std::string_view(message->method_string())))) {
      auto it = queues_.find(route);
      if (it != queues_.end() && !it->second.items.empty()) ++it->second.items.front().attempts;
      return run_exchange(route, open_connection(), std::move(message), false);
    }
    if (!outcome.ec && outcome.reusable && connection) checkin(std::move(connection));
    on_outcome(route, std::move(outcome));
  }

  // ---- the idle connection pool (strand) ------------------------------------------

  std::shared_ptr<Connection> open_connection() {
    if (endpoint_.tls) {
      return std::make_shared<StreamConnection<beast::ssl_stream<beast::tcp_stream>>>(
          strand_, std::make_unique<beast::ssl_stream<beast::tcp_stream>>(strand_, *tls_),
          endpoint_, options_.timeout, options_.max_response_bytes);
    }
    return std::make_shared<StreamConnection<beast::tcp_stream>>(
        strand_, std::make_unique<beast::tcp_stream>(strand_), endpoint_, options_.timeout,
        options_.max_response_bytes);
  }

  // The most recently used idle connection that still works, or null.
  std::shared_ptr<Connection> checkout() {
    close_expired(Clock::now());
    while (!idle_.empty()) {
      std::shared_ptr<Connection> connection = std::move(idle_.back().connection);
      idle_.pop_back();
      if (connection->usable()) return connection;
      connection->close();
    }
    return nullptr;
  }

  void checkin(std::shared_ptr<Connection> connection) {
    if (stopped_ || options_.max_idle_connections == 0) return connection->close();
    idle_.push_back(Idle{std::move(connection), Clock::now()});
    while (idle_.size() > options_.max_idle_connections) {
      idle_.front().connection->close();
      idle_.pop_front();
    }
    schedule_idle_close();
  }

  void close_expired(Clock::time_point now) {
    while (!idle_.empty() && now - idle_.front().since >= options_.idle_timeout) {
      idle_.front().connection->close();
      idle_.pop_front();
    }
  }

  // Closes idle connections when their idle time is up, so they do not hold
  // descriptors (and the server's resources) while no request comes.
  void schedule_idle_close() {
    if (idle_.empty()) return;
    const auto due = idle_.front().since + options_.idle_timeout;
    if (idle_timer_armed_ && idle_timer_due_ <= due) return;
    idle_timer_armed_ = true;
    idle_timer_due_ = due;
    idle_timer_.expires_at(due);
    idle_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // re-armed or stopped; the new wait owns the schedule
      self->idle_timer_armed_ = false;
      if (self->stopped_) return;
      self->close_expired(Clock::now());
      self->schedule_idle_close();
    });
  }

  void on_outcome(const std::string& route, Outcome outcome) {
    if (stopped_) return;
    RouteQueue& queue = queues_[route];
    Pending& pending = queue.items.front();
    const auto now = Clock::now();
    if (outcome.ec) {
      std::string error = "network error during " + outcome.what + ": " + outcome.ec.message();
      // A request that reached the server may have been acted on even though
      // no answer came back (a timeout, a reset). Repeating a POST or PATCH
      // could post a follow-up message twice, so only requests the server never
      // received completely, or whose repetition is harmless, are retried.
      if (outcome.request_sent && !idempotent(pending.request.method)) {
        error += " (not retried: the server may have processed the request)";
        return finish(route, RestResult{0, {}, std::move(error), pending.attempts});
      }
      return retry_or_finish(route, pending, RestResult{0, {}, std::move(error), pending.attempts});
    }
    if (outcome.status == 429) return on_rate_limited(route, pending, std::move(outcome), now);
    limits_.on_response(route, outcome.limits, now);
    RestResult result{outcome.status, std::move(outcome.body), {}, pending.attempts};
    if (outcome.status >= 500) {
      result.error = "HTTP " + std::to_string(outcome.status) + ": " + excerpt(result.body);
      return retry_or_finish(route, pending, std::move(result));
    }
    if (outcome.status < 200 || outcome.status >= 300) {
      result.error = "HTTP " + std::to_string(outcome.status) + ": " + excerpt(result.body);
    }
    finish(route, std::move(result));
  }

  void on_rate_limited(const std::string& route, Pending& pending, Outcome outcome,
                       Clock::time_point now) {
    std::optional<double> retry_after;
    bool global = false;
    boost::system::error_code ec;
    const auto body = boost::json::parse(outcome.body, ec);
    if (!ec && body.is_object()) {
      if (const auto* value = body.as_object().if_contains("retry_after");
          value != nullptr && value->is_number()) {
        retry_after = value->to_number<double>(ec);
      }
      if (const auto* value = body.as_object().if_contains("global");
          value != nullptr && value->is_bool()) {
        global = value->as_bool();
      }
    }
    const auto wait = limits_.on_rate_limited(route, outcome.limits, retry_after, global, now);
    if (++pending.rate_limited > options_.max_rate_limited) {
      return finish(route, RestResult{429, std::move(outcome.body),
                                      "HTTP 429: still rate limited after " +
                                          std::to_string(options_.max_rate_limited) + " waits",
                                      pending.attempts});
    }
    // The limits now hold the wait; pump() schedules the retry.
    (void)wait;
    queues_[route].busy = false;
    pump(route);
  }

  void retry_or_finish(const std::string& route, Pending& pending, RestResult result) {
    if (++pending.failures >= options_.max_attempts) return finish(route, std::move(result));
    wait_then_pump(route, backoff_delay(pending.failures - 1, options_.backoff_base,
                                        options_.backoff_cap, rng_));
  }

  void finish(const std::string& route, RestResult result) {
    RouteQueue& queue = queues_[route];
    Callback done = std::move(queue.items.front().done);
    queue.items.pop_front();
    --queued_;
    queue.busy = false;
    complete(std::move(done), std::move(result));
    pump(route);
  }

  // Callbacks always run from a fresh handler on the strand, never inside
  // request() or inside our own bookkeeping.
  void complete(Callback done, RestResult result) {
    asio::post(strand_, [done = std::move(done), result = std::move(result)]() mutable {
      if (done) done(std::move(result));
    });
  }

  void stop_on_strand() {
    if (stopped_) return;
    stopped_ = true;
    for (auto& [route, queue] : queues_) {
      if (queue.timer) queue.timer->cancel();
      for (auto& pending : queue.items) {
        complete(std::move(pending.done), RestResult{0, {}, "stopped", pending.attempts});
      }
    }
    queues_.clear();
    queued_ = 0;
    idle_timer_.cancel();
    idle_timer_armed_ = false;
    for (auto& idle : idle_) idle.connection->close();
    idle_.clear();
  }

  Strand strand_;
  RestOptions options_;
  std::string user_agent_;
  Endpoint endpoint_;
  std::shared_ptr<asio::ssl::context> tls_;
  RestRateLimits limits_;
  std::unordered_map<std::string, RouteQueue> queues_;
  std::size_t queued_ = 0;
  bool stopped_ = false;
  struct Idle {
    std::shared_ptr<Connection> connection;
    Clock::time_point since;
  };
  std::deque<Idle> idle_;  // oldest first; at most max_idle_connections
  asio::steady_timer idle_timer_;
  bool idle_timer_armed_ = false;
  Clock::time_point idle_timer_due_{};
  std::mt19937_64 rng_;
};

RestClient::RestClient(boost::asio::any_io_executor executor, RestOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

RestClient::~RestClient() {
  impl_->stop();
}

void RestClient::request(RestRequest request, Callback done) {
  impl_->request(std::move(request), std::move(done));
}

void RestClient::stop() {
  impl_->stop();
}

const std::string& RestClient::user_agent() const {
  return impl_->user_agent();
}

}  // namespace lantern::discord
