#include "app/service.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <condition_variable>
#include <future>
#include <limits>
#include <mutex>
#include <thread>
#include <variant>

#include "app/session_file.h"
#include "bot/activity.h"
#include "bot/bot.h"
#include "card/card_service.h"
#include "card/image_cache.h"
#include "card/image_fetcher.h"
#include "discord/gateway_client.h"
#include "discord/rest_client.h"
#include "http/auth_throttle.h"
#include "http/docs_routes.h"
#include "http/metrics.h"
#include "http/metrics_routes.h"
#include "http/rate_limit.h"
#include "http/router.h"
#include "http/server.h"
#include "http/socket_session.h"
#include "http/storage_routes.h"
#include "http/upgrade.h"
#include "http/users_routes.h"
#include "hub/directory.h"
#include "hub/hub.h"
#include "storage/service.h"
#include "util/time.h"

namespace lantern::app {
namespace {

namespace asio = boost::asio;

// How old a saved gateway session may be and still be resumed. Discord keeps a
// disconnected session for a few minutes; past that a RESUME would only earn
// an INVALID_SESSION.
constexpr std::chrono::seconds kResumeWindow{120};

hub::Options hub_options(const SocketConfig& socket) {
  hub::Options options;
  options.heartbeat_interval_ms = socket.heartbeat_interval_ms;
  options.init_timeout_ms = socket.init_timeout_ms;
  options.max_payload = socket.max_payload;
  options.inbound_rate = static_cast<std::size_t>(socket.inbound_frames_per_minute);
  options.max_ids_per_session = socket.max_ids_per_session;
  options.max_sessions_per_address = socket.max_sessions_per_address;
  options.max_backlog_bytes = socket.max_backlog_bytes;
  options.max_backlog_frames = socket.max_backlog_frames;
  return options;
}

http::RateLimitOptions rate_limit_options(const RateLimitConfig& config) {
  http::RateLimitOptions options;
  options.enabled = config.enabled;
  options.requests_per_second = config.requests_per_second;
  options.burst = config.burst;
  options.max_addresses = config.max_addresses;
  return options;
}

// Forwards store changes to the hub, which is built after the store (the hub
// reads the store through its directory).
class ChangeFanout final : public presence::ChangeListener {
 public:
  void on_changes(std::span<const presence::Change> changes) override {
    if (hub_) hub_->on_changes(changes);
  }
  void attach(hub::Hub* hub) { hub_ = hub; }

 private:
  hub::Hub* hub_ = nullptr;
};

std::unique_ptr<storage::Service> open_storage(const Config& config,
                                               http::StorageMetrics& metrics) {
  storage::StorageConfig storage_config;
  storage_config.service.on_transaction = [&metrics](std::size_t,
                                                     std::chrono::nanoseconds duration) {
    metrics.observe_latency("transaction", duration);
  };
  storage_config.service.on_operation = [&metrics](storage::Operation operation,
                                                   std::optional<storage::Status> status) {
    metrics.observe(operation, status);
  };
  storage_config.sqlite_path = config.database.path;
  storage_config.secret_hex = config.kv_token_encryption_secret;
  storage_config.service.retention_ms =
      static_cast<std::int64_t>(config.database.retention_days) * 24 * 3600 * 1000;
  auto opened = storage::open_service(storage_config);
  if (!opened.service) throw ConfigError("database", opened.error);
  return std::move(opened.service);
}

// Runs `submit(callback)` on the storage thread and waits for its result. Only
// for start-up, before any network thread depends on us.
template <typename Result, typename Submit>
Result wait_for_storage(Submit submit) {
  std::promise<Result> promise;
  auto future = promise.get_future();
  if (!submit([&promise](storage::Status status, Result result) {
        if (status != storage::Status::kOk) {
          promise.set_exception(std::make_exception_ptr(
              std::runtime_error("storage: could not load the stored data at start")));
          return;
        }
        promise.set_value(std::move(result));
      })) {
    throw std::runtime_error("storage: queue refused the start-up load");
  }
  return future.get();
}

http::Response svg_response(std::string svg) {
  http::Response response;
  response.content_type = "image/svg+xml; charset=utf-8";
  response.body = std::move(svg);
  response.with_header("Cache-Control", "no-store, no-cache, must-revalidate")
      .with_header("Content-Security-Policy",
                   "default-src 'none'; img-src data:; style-src 'unsafe-inline'");
  return response;
}

}  // namespace

class Service::Impl final : public discord::GatewayEventSink {
 public:
  explicit Impl(Config config)
      : config_(std::move(config)),
        rate_limiter_(rate_limit_options(config_.server.rate_limit)),
        storage_(open_storage(config_, storage_metrics_)),
        writer_(asio::make_strand(io_)),
        store_(config_.base_guild_id, &fanout_, storage_.get()),
        directory_(store_),
        hub_(
            directory_, hub_options(config_.socket),
            [this](std::function<void()> work) { asio::post(writer_, std::move(work)); },
            [] { return unix_now_ms(); }),
        rest_(io_.get_executor(), rest_options()),
        gateway_(writer_, gateway_options(), rest_, *this),
        bot_(
            rest_, *storage_, store_, [this] { return gateway_.status().heartbeat_latency; },
            bot::BotOptions{config_.bypass_command_permissions_check}),
        activity_(
            io_.get_executor(), [this] { return store_.size(); },
            [this](std::string text) { gateway_.update_presence(std::move(text)); }),
        sockets_(hub_),
        image_cache_(card::ImageCache::Config{}),
        image_fetcher_(io_.get_executor(), image_cache_, card::FetcherConfig{}),
        cards_(image_fetcher_, config_.card_themes),
        purge_timer_(io_) {
    fanout_.attach(&hub_);
    seed_store_from_storage();
    storage_->set_change_listener([this](Snowflake id, presence::StoragePairsPtr pairs) {
      publish_storage(id, std::move(pairs));
    });
    register_metrics();
    build_routes();
  }

  ~Impl() override { shutdown(); }

  void start() {
    http::ServerOptions options;
    options.bind_address = config_.server.bind;
    options.port = config_.server.port;
    options.trust_proxy = config_.server.trust_proxy;
    options.trusted_proxies = config_.server.trusted_proxies;
    options.access_log = config_.log.access;
    if (options.trust_proxy) {
      spdlog::info("http: client addresses from CF-Connecting-IP / X-Forwarded-For of {} ({})",
                   options.trusted_proxies.describe(),
                   config_.server.trusted_proxies_configured
                       ? "server.trusted_proxies"
                       : "the default; set server.trusted_proxies to change it");
    }
    server_ = std::make_unique<http::Server>(
        io_, options, router_,
        [this](http::UpgradeRequest&& upgrade) {
          http::start_socket_session(std::move(upgrade), sockets_);
        },
        http_metrics_.observer());
    server_->start();
    const int threads = config_.server.threads > 0
                            ? config_.server.threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
    gateway_.start();
    schedule_purge();
    spdlog::info("lantern: listening on {}:{} with {} thread(s)", config_.server.bind,
                 server_->port(), threads);
  }

  int wait() {
    asio::signal_set signals(io_, SIGINT, SIGTERM);
    signals.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      spdlog::info("lantern: signal {} received, shutting down", signal);
      finish(0);
    });
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return exit_code_.has_value(); });
    const int code = *exit_code_;
    lock.unlock();
    signals.cancel();
    shutdown();
    return code;
  }

  void finish(int code) {
    std::lock_guard lock(mutex_);
    if (!exit_code_) exit_code_ = code;
    done_.notify_all();
  }

  std::uint16_t port() const { return server_ ? server_->port() : 0; }
  const presence::PresenceStore& store() const { return store_; }

  // ---- GatewayEventSink (on the writer strand) ------------------------------

  void on_ready(const discord::ReadyInfo& ready) override {
    ready_events_->inc();
    spdlog::info("gateway: ready as bot {} (application {})", ready.bot_user_id,
                 ready.application_id);
  }
  void on_resumed() override {
    resumed_events_->inc();
    spdlog::info("gateway: session resumed");
  }
  void on_sync_begin() override { store_.begin_sync(); }
  void on_sync_end() override {
    store_.end_sync();
    spdlog::info("gateway: base guild synchronised, {} members monitored", store_.size());
    start_retention_of_absent_users();
    if (!activity_started_) {
      activity_started_ = true;
      activity_.start();
    } else {
      activity_.refresh();
    }
  }
  void on_event(discord::GatewayEvent&& event) override {
    event_counters_[event.index()]->inc();
    track_membership(event);  // before the store takes the event's contents
    std::visit([this](auto& typed) { store_.apply(std::move(typed)); }, event);
  }
  void on_interaction(const boost::json::object& interaction) override {
    bot_.handle_interaction(interaction);
  }
  void on_fatal(const std::string& message) override {
    spdlog::critical("gateway: {}", message);
    finish(1);
  }

 private:
  discord::RestOptions rest_options() const {
    discord::RestOptions options;
    options.api_base = config_.discord.api_base;
    options.token = config_.discord.token;
    return options;
  }

  discord::GatewayOptions gateway_options() const {
    discord::GatewayOptions options;
    options.token = config_.discord.token;
    options.base_guild_id = config_.base_guild_id;
    options.resume = take_session(session_file_path(config_.database.path), kResumeWindow);
    if (options.resume) spdlog::info("gateway: resuming the session saved at the last shutdown");
    return options;
  }

  // Every metric of docs/metrics.md. Callbacks run on the scraping thread;
  // everything they read is safe from any thread.
  void register_metrics() {
    // In the order of the discord::GatewayEvent alternatives.
    static constexpr std::array<std::string_view, std::variant_size_v<discord::GatewayEvent>>
        kEventTypes = {"GUILD_CREATE",        "GUILD_MEMBERS_CHUNK", "GUILD_MEMBER_ADD",
                       "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE", "PRESENCE_UPDATE",
                       "USER_UPDATE"};
    for (std::size_t i = 0; i < kEventTypes.size(); ++i) {
      event_counters_[i] = &event_metrics_.counter(kEventTypes[i]);
    }
    ready_events_ = &event_metrics_.counter("READY");
    resumed_events_ = &event_metrics_.counter("RESUMED");

    auto gauge = [this](const char* name, const char* help, auto read) {
      metrics_.gauge_callback(name, help, [read] { return static_cast<double>(read()); });
    };
    auto counter = [this](const char* name, const char* help, auto read) {
      metrics_.counter_callback(name, help, [read] { return static_cast<double>(read()); });
    };
    gauge("lantern_socket_sessions", "WebSocket sessions currently open.",
          [this] { return hub_.session_count(); });
    gauge("lantern_socket_subscriptions",
          "Subscriptions held by open sessions (one per session and user; All counts once).",
          [this] { return hub_.subscription_count(); });
    counter("lantern_socket_sessions_accepted_total", "WebSocket handshakes completed.",
            [this] { return sockets_.stats().accepted.load(); });
    counter("lantern_socket_backlog_cutoffs_total",
            "Sockets closed because their unsent backlog reached its bound (4009).",
            [this] { return sockets_.stats().backlog_cutoffs.load(); });
    gauge("lantern_monitored_members", "Members of the base guild in the presence store.",
          [this] { return store_.size(); });
    gauge("lantern_gateway_connected", "1 while the Discord gateway connection is open.",
          [this] { return gateway_.status().connected ? 1 : 0; });
    gauge("lantern_gateway_synced", "1 once the base guild's member sync has completed.",
          [this] { return gateway_.status().synced ? 1 : 0; });
    gauge("lantern_gateway_heartbeat_latency_seconds",
          "Last gateway heartbeat round trip (NaN before the first ACK).", [this] {
            const auto latency = gateway_.status().heartbeat_latency;
            return latency ? std::chrono::duration<double>(*latency).count()
                           : std::numeric_limits<double>::quiet_NaN();
          });
    counter("lantern_gateway_identifies_total", "Gateway IDENTIFYs sent (new sessions).",
            [this] { return gateway_.status().identifies; });
    counter("lantern_gateway_resumes_total", "Gateway sessions resumed.",
            [this] { return gateway_.status().resumes; });
    counter("lantern_gateway_connections_total",
            "Gateway connections opened (reconnects are this minus one).",
            [this] { return gateway_.status().connections; });
    counter("lantern_gateway_member_requests_total", "Request Guild Members (op 8) sent.",
            [this] { return gateway_.status().member_requests; });
    counter("lantern_gateway_member_sync_stalls_total",
            "Member syncs that stopped receiving chunks (each is followed by a re-request).",
            [this] { return gateway_.status().member_sync_stalls; });
    gauge("lantern_gateway_waiting_for_session_start",
          "1 while Discord's session start limit is exhausted and the client waits for its reset.",
          [this] { return gateway_.status().waiting_for_session_start ? 1 : 0; });
    gauge("lantern_rate_limit_tracked_addresses",
          "Client addresses with a non-full REST rate limit bucket.",
          [this] { return rate_limiter_.tracked(); });
    gauge("lantern_auth_throttle_tracked_addresses",
          "Addresses slowed down after failed storage authentications.",
          [this] { return auth_throttle_.tracked(); });
  }

  void build_routes() {
    http::add_service_routes(router_, store_);
    http::add_docs_routes(router_);
    http::add_metrics_routes(router_, metrics_);
    // The API lives on its own router, mounted behind the rate limiter.
    http::add_storage_routes(api_router_, store_, *storage_, http::StorageRouteOptions{},
                             auth_throttle_);
    http::add_users_routes(
        api_router_, store_, http::UsersRouteOptions{config_.max_bulk_get_users_size},
        [this](const http::Request& request, presence::UserViewPtr user, http::Respond respond) {
          answer_card(request, std::move(user), std::move(respond));
        });
    http::mount_rate_limited(
        router_, api_router_, rate_limiter_,
        {"/api/v1/users", "/api/v1/users/{}", "/api/v1/users/{}/storage",
         "/api/v1/users/{}/storage/{}"},
        &metrics_.counter("lantern_http_rate_limited_total",
                          "REST requests refused with 429 by the rate limiter."));
  }

  void answer_card(const http::Request& request, presence::UserViewPtr user,
                   http::Respond respond) {
    auto options = card::parse_card_options(request.query);
    if (!options.ok()) return respond(http::json_error(400, options.error()));
    cards_.render_card_async(
        std::move(user), options.options(), unix_now_ms(),
        [respond = std::move(respond)](std::string svg) { respond(svg_response(std::move(svg))); });
  }

  // Called on the storage thread after a write committed and before its
  // caller is answered. Waiting for the writer to apply the pairs gives
  // read-your-writes: once a client has its 200 (or the bot its reply), every
  // read path and every socket already shows the change. The writer never
  // waits for storage, so this cannot deadlock; the bound only matters when
  // the I/O threads are already stopped at shutdown.
  void publish_storage(Snowflake id, presence::StoragePairsPtr pairs) {
    auto applied = std::make_shared<std::promise<void>>();
    auto done = applied->get_future();
    asio::post(writer_, [this, id, pairs = std::move(pairs), applied] {
      store_.set_storage(id, pairs);
      applied->set_value();
    });
    if (done.wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
      spdlog::warn("storage: the presence writer did not apply the pairs of {} in time", id);
    }
  }

  // The pairs and last-seen moments stored before this start, loaded into the
  // store before the gateway delivers its first member (so the first render
  // already has them).
  void seed_store_from_storage() {
    auto pairs = wait_for_storage<storage::Service::PairsList>(
        [this](auto done) { return storage_->load_all_pairs(std::move(done)); });
    auto seen = wait_for_storage<storage::Service::LastSeenList>(
        [this](auto done) { return storage_->load_all_last_seen(std::move(done)); });
    for (auto& [id, user_pairs] : pairs) {
      users_with_storage_.push_back(id);
      store_.set_storage(id, std::move(user_pairs));
    }
    for (const auto& [id, moment] : seen) store_.seed_last_seen(id, moment);
    spdlog::info("storage: {} user(s) with pairs, {} last-seen moment(s) loaded", pairs.size(),
                 seen.size());
  }

  // Storage retention: a member who leaves keeps their pairs for
  // database.retention_days, then loses them; one who comes back keeps them.
  void track_membership(const discord::GatewayEvent& event) {
    auto ignore = [](storage::Status) {};
    if (const auto* removed = std::get_if<presence::MemberRemove>(&event)) {
      if (!storage_->mark_left(removed->user_id, unix_now_ms(), ignore)) {
        spdlog::warn("storage: queue full, departure of {} not recorded", removed->user_id);
      }
    } else if (const auto* added = std::get_if<presence::MemberAdd>(&event)) {
      if (!storage_->mark_joined(added->member.user.id, ignore)) {
        spdlog::warn("storage: queue full, return of {} not recorded", added->member.user.id);
      }
    }
  }

  // After the first full sync: users with stored pairs who are not members
  // (they left while Lantern was down, or were imported) start their retention
  // period now. Members who are back are marked joined.
  void start_retention_of_absent_users() {
    if (retention_checked_) return;
    retention_checked_ = true;
    const std::int64_t now = unix_now_ms();
    auto ignore = [](storage::Status) {};
    for (const Snowflake id : users_with_storage_) {
      const bool ok = store_.find(id) ? storage_->mark_joined(id, ignore)
                                      : storage_->mark_left(id, now, ignore);
      if (!ok) spdlog::warn("storage: queue full, retention of {} not updated", id);
    }
    users_with_storage_.clear();
  }

  void schedule_purge() {
    purge_timer_.expires_after(std::chrono::hours(1));
    purge_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      const bool queued = storage_->purge_expired(unix_now_ms(), [](storage::Status status,
                                                                    std::size_t purged) {
        if (status == storage::Status::kOk && purged > 0) {
          spdlog::info("storage: deleted the storage of {} user(s) gone past retention", purged);
        }
      });
      if (!queued) spdlog::warn("storage: queue full, retention purge skipped");
      schedule_purge();
    });
  }

  // Graceful stop: no new connections; sockets told "Server is restarting."
  // (1001); every accepted storage write committed and answered; the gateway
  // closed so that Discord keeps the session, which is saved for the next
  // start to resume.
  void shutdown() {
    if (stopped_) return;
    stopped_ = true;
    if (server_) server_->stop_accepting();
    sockets_.disconnect_all();
    storage_->flush();
    gateway_.stop(/*keep_session=*/true);
    wait_until([this] { return sockets_.stats().open == 0 && !gateway_.status().running; },
               std::chrono::seconds(3));
    if (auto session = gateway_.session()) {
      if (save_session(session_file_path(config_.database.path), *session)) {
        spdlog::info("gateway: session saved for a resume at the next start");
      }
    }
    activity_.stop();
    rest_.stop();
    purge_timer_.cancel();
    io_.stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    storage_->flush();
  }

  // Polls `done` while the I/O threads finish their work, for at most `limit`.
  static void wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  Config config_;
  // Before everything that records or is read by a scrape, so it is destroyed
  // after them.
  http::Metrics metrics_;
  http::StorageMetrics storage_metrics_{metrics_};
  http::HttpMetrics http_metrics_{metrics_};
  http::EventMetrics event_metrics_{metrics_};
  std::array<http::Counter*, std::variant_size_v<discord::GatewayEvent>> event_counters_{};
  http::Counter* ready_events_ = nullptr;
  http::Counter* resumed_events_ = nullptr;
  http::RateLimiter rate_limiter_;
  std::unique_ptr<storage::Service> storage_;
  asio::io_context io_;
  asio::strand<asio::io_context::executor_type> writer_;
  ChangeFanout fanout_;
  presence::PresenceStore store_;
  hub::StoreDirectory directory_;
  hub::Hub hub_;
  discord::RestClient rest_;
  discord::GatewayClient gateway_;
  bot::Bot bot_;
  bot::ActivityTimer activity_;  // "Monitoring N users", from the first sync on
  http::SocketServices sockets_;
  card::ImageCache image_cache_;
  card::ImageFetcher image_fetcher_;
  card::CardService cards_;
  asio::steady_timer purge_timer_;
  http::AuthThrottle auth_throttle_;
  std::vector<Snowflake> users_with_storage_;  // writer strand
  bool retention_checked_ = false;             // writer strand
  bool activity_started_ = false;              // writer strand
  http::Router api_router_;                    // /api/v1, behind rate_limiter_ (mounted on router_)
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable done_;
  std::optional<int> exit_code_;
  bool stopped_ = false;
};

Service::Service(Config config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Service::~Service() = default;
void Service::start() {
  impl_->start();
}
int Service::wait() {
  return impl_->wait();
}
void Service::stop() {
  impl_->finish(0);
}
std::uint16_t Service::port() const {
  return impl_->port();
}
const presence::PresenceStore& Service::store() const {
  return impl_->store();
}

std::uint64_t raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

}  // namespace lantern::app
