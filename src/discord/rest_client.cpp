#include "discord/rest_client.h"

#include <openssl/ssl.h>

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

// One HTTP exchange on a fresh connection: resolve, connect, (TLS handshake),
// write, read. All handlers run on the strand the exchange was given.
template <class Stream>
class Exchange : public std::enable_shared_from_this<Exchange<Stream>> {
 public:
  using Done = std::function<void(Outcome)>;

  Exchange(Strand strand, std::unique_ptr<Stream> stream, const Endpoint& endpoint,
           http::request<http::string_body> request, std::chrono::milliseconds timeout,
           std::size_t max_body, Done done)
      : resolver_(strand),
        stream_(std::move(stream)),
        endpoint_(endpoint),
        request_(std::move(request)),
        timeout_(timeout),
        done_(std::move(done)) {
    parser_.body_limit(max_body);
  }

  void run() {
    resolver_.async_resolve(endpoint_.host, endpoint_.port,
                            [self = this->shared_from_this()](beast::error_code ec,
                                                              tcp::resolver::results_type results) {
                              self->on_resolve(ec, std::move(results));
                            });
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
      write();
    }
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return fail(ec, "tls handshake");
    write();
  }

  void write() {
    tcp().expires_after(timeout_);
    http::async_write(*stream_, request_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_write(ec);
                      });
  }

  void on_write(beast::error_code ec) {
    if (ec) return fail(ec, "write");
    http::async_read(*stream_, buffer_, parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec) return fail(ec, "read");
    auto& response = parser_.get();
    Outcome outcome;
    outcome.status = static_cast<int>(response.result_int());
    outcome.limits = read_limits(response.base());
    outcome.body = std::move(response.body());
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    done_(std::move(outcome));
  }

  void fail(beast::error_code ec, const char* what) {
    Outcome outcome;
    outcome.ec = ec;
    outcome.what = what;
    done_(std::move(outcome));
  }

  tcp::resolver resolver_;
  std::unique_ptr<Stream> stream_;
  Endpoint endpoint_;
  http::request<http::string_body> request_;
  std::chrono::milliseconds timeout_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  Done done_;
};

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
    message.set(http::field::connection, "close");
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
    auto done = [self = shared_from_this(), route](Outcome outcome) {
      self->on_outcome(route, std::move(outcome));
    };
    auto message = build(pending.request);
    if (endpoint_.tls) {
      auto stream = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(strand_, *tls_);
      std::make_shared<Exchange<beast::ssl_stream<beast::tcp_stream>>>(
          strand_, std::move(stream), endpoint_, std::move(message), options_.timeout,
          options_.max_response_bytes, std::move(done))
          ->run();
    } else {
      auto stream = std::make_unique<beast::tcp_stream>(strand_);
      std::make_shared<Exchange<beast::tcp_stream>>(strand_, std::move(stream), endpoint_,
                                                    std::move(message), options_.timeout,
                                                    options_.max_response_bytes, std::move(done))
          ->run();
    }
  }

  void on_outcome(const std::string& route, Outcome outcome) {
    if (stopped_) return;
    RouteQueue& queue = queues_[route];
    Pending& pending = queue.items.front();
    const auto now = Clock::now();
    if (outcome.ec) {
      const std::string error =
          "network error during " + outcome.what + ": " + outcome.ec.message();
      return retry_or_finish(route, pending, RestResult{0, {}, error, pending.attempts});
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
