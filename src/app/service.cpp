#include "app/service.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <variant>

#include "discord/gateway_client.h"
#include "discord/rest_client.h"
#include "http/router.h"
#include "http/server.h"
#include "http/users_routes.h"
#include "hub/directory.h"
#include "hub/hub.h"
#include "util/time.h"

namespace lantern::app {
namespace {

namespace asio = boost::asio;

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

}  // namespace

class Service::Impl final : public discord::GatewayEventSink {
 public:
  explicit Impl(Config config)
      : config_(std::move(config)),
        writer_(asio::make_strand(io_)),
        store_(config_.base_guild_id, &fanout_, nullptr),
        directory_(store_),
        hub_(
            directory_, hub_options(config_.socket),
            [this](std::function<void()> work) { asio::post(writer_, std::move(work)); },
            [] { return unix_now_ms(); }),
        rest_(io_.get_executor(), rest_options()),
        gateway_(writer_, gateway_options(), rest_, *this) {
    fanout_.attach(&hub_);
    build_routes();
  }

  ~Impl() override { shutdown(); }

  void start() {
    http::ServerOptions options;
    options.bind_address = config_.server.bind;
    options.port = config_.server.port;
    options.trust_proxy = config_.server.trust_proxy;
    options.access_log = config_.log.access;
    server_ = std::make_unique<http::Server>(io_, options, router_, http::UpgradeHandler{});
    server_->start();
    const int threads = config_.server.threads > 0
                            ? config_.server.threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
    gateway_.start();
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
    spdlog::info("gateway: ready as bot {} (application {})", ready.bot_user_id,
                 ready.application_id);
  }
  void on_resumed() override { spdlog::info("gateway: session resumed"); }
  void on_sync_begin() override { store_.begin_sync(); }
  void on_sync_end() override {
    store_.end_sync();
    spdlog::info("gateway: base guild synchronised, {} members monitored", store_.size());
  }
  void on_event(const discord::GatewayEvent& event) override {
    std::visit([this](const auto& typed) { store_.apply(typed); }, event);
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
    return options;
  }

  void build_routes() {
    http::add_service_routes(router_, store_);
    http::add_users_routes(router_, store_,
                           http::UsersRouteOptions{config_.max_bulk_get_users_size}, {});
  }

  void shutdown() {
    if (stopped_) return;
    stopped_ = true;
    if (server_) server_->stop_accepting();
    hub_.shutdown();
    gateway_.stop(/*keep_session=*/true);
    rest_.stop();
    io_.stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
  }

  Config config_;
  asio::io_context io_;
  asio::strand<asio::io_context::executor_type> writer_;
  ChangeFanout fanout_;
  presence::PresenceStore store_;
  hub::StoreDirectory directory_;
  hub::Hub hub_;
  discord::RestClient rest_;
  discord::GatewayClient gateway_;
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
