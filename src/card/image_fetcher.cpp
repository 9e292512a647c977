#include "card/image_fetcher.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "card/data_uri.h"

namespace lantern::card {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Why a fetch failed; the message goes to the debug log only.
struct FetchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Target {
  bool https = false;
  std::string host;
  std::string port;
  std::string host_header;
  std::string path;  // origin-form: path and query
};

Target parse_target(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) throw FetchError("not a URL");
  const auto& u = *parsed;
  Target t;
  if (u.scheme() == "https") {
    t.https = true;
  } else if (u.scheme() != "http") {
    throw FetchError("scheme is neither http nor https");
  }
  t.host = u.host();
  if (t.host.empty()) throw FetchError("no host");
  t.port = u.has_port() ? std::string(u.port()) : (t.https ? "443" : "80");
  t.host_header = u.has_port() ? t.host + ":" + t.port : t.host;
  t.path = u.encoded_target().empty() ? "/" : std::string(u.encoded_target());
  return t;
}

std::string resolve_location(const std::string& base, std::string_view location) {
  auto ref = boost::urls::parse_uri_reference(location);
  if (!ref) throw FetchError("bad redirect location");
  boost::urls::url dest;
  auto resolved = boost::urls::resolve(boost::urls::url_view(base), *ref, dest);
  if (!resolved) throw FetchError("bad redirect location");
  dest.remove_fragment();
  return std::string(dest.buffer());
}

bool is_image_type(std::string_view content_type) {
  const auto semi = content_type.find(';');
  std::string type(content_type.substr(0, semi));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type == "image/png" || type == "image/jpeg" || type == "image/gif" || type == "image/webp";
}

bool is_redirect(http::status status) {
  return status == http::status::moved_permanently || status == http::status::found ||
         status == http::status::see_other || status == http::status::temporary_redirect ||
         status == http::status::permanent_redirect;
}

}  // namespace

class ImageFetcher::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::any_io_executor executor, ImageCache& cache, FetcherConfig config)
      : executor_(std::move(executor)),
        cache_(cache),
        config_(std::move(config)),
        tls_(ssl::context::tls_client) {
    tls_.set_default_verify_paths();
    tls_.set_verify_mode(ssl::verify_peer);
  }

  CachedImagePtr cached(std::string_view url) const { return cache_.get(url, Clock::now()); }

  void fetch(const std::string& url, Callback done);

  const FetcherConfig& config() const { return config_; }
  std::uint64_t fetches_started() const { return started_.load(); }

 private:
  // One URL being fetched; lives on its own strand until its result is delivered.
  struct Flight {
    Flight(asio::any_io_executor ex, Clock::time_point deadline_at)
        : strand(asio::make_strand(ex)), deadline(deadline_at), timer(strand), resolver(strand) {}
    asio::strand<asio::any_io_executor> strand;
    Clock::time_point deadline;
    asio::steady_timer timer;
    tcp::resolver resolver;
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
    bool delivered = false;  // on the strand
  };

  void start(const std::string& url);
  void deliver(const std::shared_ptr<Flight>& flight, const std::string& url,
               const std::string& data_uri);
  static void abort(Flight& flight);

  asio::awaitable<std::string> download(std::shared_ptr<Flight> flight, std::string url);
  asio::awaitable<http::response<http::string_body>> request(Flight& flight, const Target& t);
  template <class Stream>
  asio::awaitable<http::response<http::string_body>> exchange(Stream& stream, const Target& t);

  asio::any_io_executor executor_;
  ImageCache& cache_;
  const FetcherConfig config_;
  ssl::context tls_;
  std::atomic<std::uint64_t> started_{0};

  std::mutex mutex_;
  std::unordered_map<std::string, std::vector<Callback>> waiters_;  // URL -> waiting callbacks
};

void ImageFetcher::Impl::fetch(const std::string& url, Callback done) {
  if (auto hit = cached(url)) return done(std::move(hit));
  {
    std::unique_lock lock(mutex_);
    if (auto flight = waiters_.find(url); flight != waiters_.end()) {
      if (flight->second.size() < config_.max_waiters_per_url) {
        flight->second.push_back(std::move(done));
        return;
      }
    } else if (auto hit = cached(url)) {
      // The flight finished between the first lookup and the lock: deliver() caches
      // before it releases the waiters, so the result is there.
      lock.unlock();
      return done(std::move(hit));
    } else if (waiters_.size() < config_.max_in_flight) {
      waiters_[url].push_back(std::move(done));
      lock.unlock();
      start(url);
      return;
    }
  }
  done(std::make_shared<const CachedImage>());  // over a bound: placeholder, not cached
}

void ImageFetcher::Impl::start(const std::string& url) {
  ++started_;
  auto flight = std::make_shared<Flight>(executor_, Clock::now() + config_.timeout);
  auto self = shared_from_this();
  flight->timer.expires_at(flight->deadline);
  flight->timer.async_wait([self, flight, url](beast::error_code ec) {
    if (ec || flight->delivered) return;
    spdlog::debug("card image {}: timed out", url);
    abort(*flight);
    self->deliver(flight, url, {});
  });
  asio::co_spawn(flight->strand, download(flight, url),
                 [self, flight, url](std::exception_ptr error, std::string data_uri) {
                   if (error) {
                     try {
                       std::rethrow_exception(error);
                     } catch (const std::exception& e) {
                       spdlog::debug("card image {}: {}", url, e.what());
                     }
                     data_uri.clear();
                   }
                   if (flight->delivered) return;
                   flight->timer.cancel();
                   self->deliver(flight, url, data_uri);
                 });
}

void ImageFetcher::Impl::abort(Flight& flight) {
  flight.resolver.cancel();
  beast::error_code ignored;
  if (flight.plain) flight.plain->socket().close(ignored);
  if (flight.tls) beast::get_lowest_layer(*flight.tls).socket().close(ignored);
}

// Caches the result first, then releases the waiters, so that a request arriving in
// between finds either the flight or the cached result.
void ImageFetcher::Impl::deliver(const std::shared_ptr<Flight>& flight, const std::string& url,
                                 const std::string& data_uri) {
  flight->delivered = true;
  auto image = std::make_shared<const CachedImage>(CachedImage{data_uri});
  cache_.put(url, image, Clock::now());
  std::vector<Callback> callbacks;
  {
    std::lock_guard lock(mutex_);
    auto found = waiters_.find(url);
    if (found != waiters_.end()) {
      callbacks = std::move(found->second);
      waiters_.erase(found);
    }
  }
  for (auto& callback : callbacks) callback(image);
}

asio::awaitable<std::string> ImageFetcher::Impl::download(std::shared_ptr<Flight> flight,
                                                          std::string url) {
  for (int redirects = 0;; ++redirects) {
    const Target target = parse_target(url);
    auto response = co_await request(*flight, target);
    if (is_redirect(response.result())) {
      if (redirects >= config_.max_redirects) throw FetchError("too many redirects");
      url = resolve_location(url, response[http::field::location]);
      continue;
    }
    if (response.result() != http::status::ok) throw FetchError("HTTP status not 200");
    if (!is_image_type(response[http::field::content_type])) {
      throw FetchError("content type is not an accepted image type");
    }
    auto data_uri = make_data_uri(response.body());
    if (!data_uri) throw FetchError("body is not an accepted image");
    co_return std::move(*data_uri);
  }
}

asio::awaitable<http::response<http::string_body>> ImageFetcher::Impl::request(Flight& flight,
                                                                               const Target& t) {
  auto endpoints = co_await flight.resolver.async_resolve(t.host, t.port, asio::use_awaitable);
  if (!t.https) {
    flight.tls.reset();
    flight.plain.emplace(flight.strand);
    flight.plain->expires_at(flight.deadline);
    co_await flight.plain->async_connect(endpoints, asio::use_awaitable);
    co_return co_await exchange(*flight.plain, t);
  }
  flight.plain.reset();
  flight.tls.emplace(flight.strand, tls_);
  auto& stream = *flight.tls;
  if (!SSL_set_tlsext_host_name(stream.native_handle(), t.host.c_str())) {
    throw FetchError("cannot set SNI");
  }
  stream.set_verify_callback(ssl::host_name_verification(t.host));
  beast::get_lowest_layer(stream).expires_at(flight.deadline);
  co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
  co_await stream.async_handshake(ssl::stream_base::client, asio::use_awaitable);
  co_return co_await exchange(stream, t);
}

template <class Stream>
asio::awaitable<http::response<http::string_body>> ImageFetcher::Impl::exchange(Stream& stream,
                                                                                const Target& t) {
  http::request<http::empty_body> req{http::verb::get, t.path, 11};
  req.set(http::field::host, t.host_header);
  req.set(http::field::user_agent, config_.user_agent);
  req.set(http::field::accept, "image/png, image/jpeg, image/gif, image/webp");
  req.set(http::field::connection, "close");
  co_await http::async_write(stream, req, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(config_.max_bytes);
  co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
  co_return parser.release();
}

ImageFetcher::ImageFetcher(asio::any_io_executor executor, ImageCache& cache, FetcherConfig config)
    : impl_(std::make_shared<Impl>(std::move(executor), cache, std::move(config))) {}

ImageFetcher::~ImageFetcher() = default;

CachedImagePtr ImageFetcher::cached(std::string_view url) const {
  return impl_->cached(url);
}

void ImageFetcher::fetch(const std::string& url, Callback done) {
  impl_->fetch(url, std::move(done));
}

const FetcherConfig& ImageFetcher::config() const {
  return impl_->config();
}

std::uint64_t ImageFetcher::fetches_started() const {
  return impl_->fetches_started();
}

}  // namespace lantern::card
