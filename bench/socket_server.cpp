// socket_server: the /socket layer alone (hub + WebSocket sessions) over a
// synthetic guild, for measuring it with socket_loadgen without Discord, the
// simulator or the rest of the server.
//
//   socket_server --port 8000 --users 1000 --first-user 100000000000000000
//                 --threads 2 --rate 2000 [--delay 30] [--per-address 100000]
//
// --rate N applies N presence updates a second, round robin over the users,
// on the writer strand exactly as the store would. Each update's username
// carries "lg_u:<index> lg_seq:<n> lg_ts:<unix µs>" (the marker of
// bench/sim_driver.cpp) so that socket_loadgen can check order and loss and
// measure latency. Stops on SIGINT/SIGTERM after disconnecting every session
// with 1001. For the real path (simulator, gateway client, store) use
// bench/socket_e2e.sh instead.
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_options.h"
#include "http/socket_session.h"
#include "http/upgrade.h"
#include "hub/hub.h"
#include "util/time.h"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using namespace lantern;

struct Config {
  unsigned short port = 8000;
  int users = 1000;
  std::uint64_t first_user = 100000000000000000;
  int threads = 2;
  int rate = 0;
  int delay_s = 0;  // seconds before the updates start (let the sessions connect first)
  // Every load generator connection comes from 127.0.0.1.
  std::size_t per_address = 100000;
};

// The synthetic guild: a map of snapshots, written on the writer strand only.
class Guild final : public hub::UserDirectory {
 public:
  presence::UserViewPtr find(Snowflake id) const override {
    std::lock_guard lock(mutex_);
    auto it = users_.find(id);
    return it == users_.end() ? nullptr : it->second;
  }
  std::vector<presence::UserViewPtr> all() const override {
    std::lock_guard lock(mutex_);
    std::vector<presence::UserViewPtr> out;
    for (const auto& [id, view] : users_) out.push_back(view);
    return out;
  }
  presence::UserViewPtr set(Snowflake id, std::string username) {
    presence::Member member;
    member.user.id = id;
    member.user.username = std::move(username);
    member.joined_at_ms = 1620000000000;
    presence::Presence presence;
    presence.status = presence::Status::kOnline;
    auto view = presence::UserView::make(member, presence, std::nullopt,
                                         std::make_shared<const presence::StoragePairs>());
    std::lock_guard lock(mutex_);
    users_[id] = view;
    return view;
  }

 private:
  mutable std::mutex mutex_;
  std::map<Snowflake, presence::UserViewPtr> users_;
};

struct Upgrade : std::enable_shared_from_this<Upgrade> {
  Upgrade(tcp::socket s, http::SocketServices& services)
      : socket(std::move(s)), services(services) {}
  void run() {
    beast::http::async_read(
        socket, buffer, request, [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return;
          http::start_socket_session(
              http::UpgradeRequest{std::move(self->socket), std::move(self->request), "127.0.0.1"},
              self->services);
        });
  }
  tcp::socket socket;
  http::SocketServices& services;
  beast::flat_buffer buffer;
  beast::http::request<beast::http::string_body> request;
};

void accept(net::io_context& io, tcp::acceptor& acceptor, http::SocketServices& services) {
  acceptor.async_accept(net::make_strand(io), [&](beast::error_code ec, tcp::socket socket) {
    if (!ec) std::make_shared<Upgrade>(std::move(socket), services)->run();
    accept(io, acceptor, services);
  });
}

Config parse_args(int argc, char** argv) {
  Config c;
  const lantern::bench::OptionSetters options = {
      {"--port", [&](auto& v) { c.port = static_cast<unsigned short>(std::stoi(v)); }},
      {"--users", [&](auto& v) { c.users = std::stoi(v); }},
      {"--first-user", [&](auto& v) { c.first_user = std::stoull(v); }},
      {"--threads", [&](auto& v) { c.threads = std::stoi(v); }},
      {"--rate", [&](auto& v) { c.rate = std::stoi(v); }},
      {"--delay", [&](auto& v) { c.delay_s = std::stoi(v); }},
      {"--per-address", [&](auto& v) { c.per_address = std::stoul(v); }},
  };
  lantern::bench::parse_options(argc, argv, options);
  return c;
}

void raise_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    std::cout << "open files limit " << limit.rlim_cur << std::endl;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Config config = parse_args(argc, argv);
  raise_file_limit();
  net::io_context io(config.threads);
  auto writer = net::make_strand(io);
  Guild guild;
  auto marker = [](std::uint64_t index, std::int64_t seq, std::int64_t ts_us) {
    return "u lg_u:" + std::to_string(index) + " lg_seq:" + std::to_string(seq) +
           " lg_ts:" + std::to_string(ts_us);
  };
  for (int i = 0; i < config.users; ++i) guild.set(config.first_user + i, marker(i, 0, 0));
  hub::Options options;
  options.max_sessions_per_address = config.per_address;
  hub::Hub hub(
      guild, options, [&](std::function<void()> work) { net::post(writer, std::move(work)); },
      unix_now_ms);
  http::SocketServices services(hub);

  tcp::acceptor acceptor(io, {net::ip::make_address("0.0.0.0"), config.port});
  acceptor.listen(4096);
  accept(io, acceptor, services);

  // Presence updates at config.rate per second, in 10 ms ticks, on the writer.
  std::vector<std::int64_t> seq(static_cast<std::size_t>(config.users), 0);
  std::uint64_t next_user = 0;
  net::steady_timer ticker(writer);
  std::function<void(beast::error_code)> tick = [&](beast::error_code ec) {
    if (ec) return;
    for (int i = 0; i < config.rate / 100; ++i) {
      const auto index = next_user++ % static_cast<std::uint64_t>(config.users);
      const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      auto view = guild.set(config.first_user + index, marker(index, ++seq[index], now_us));
      presence::Change change{presence::Change::Kind::kPresence, view->id(), view};
      hub.on_changes({&change, 1});
    }
    ticker.expires_at(ticker.expiry() + std::chrono::milliseconds(10));
    ticker.async_wait(tick);
  };
  if (config.rate > 0) {
    ticker.expires_after(std::chrono::seconds(config.delay_s) + std::chrono::milliseconds(10));
    ticker.async_wait(tick);
  }

  net::steady_timer shutdown_grace(io);
  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) {
    ticker.cancel();
    acceptor.close();
    services.disconnect_all();
    shutdown_grace.expires_after(std::chrono::seconds(1));  // let the DISCONNECTs go out
    shutdown_grace.async_wait([&](beast::error_code) { io.stop(); });
  });
  std::cout << "listening on " << config.port << " with " << config.users << " users" << std::endl;
  std::vector<std::thread> threads;
  for (int i = 1; i < config.threads; ++i) threads.emplace_back([&] { io.run(); });
  io.run();
  for (auto& thread : threads) thread.join();
  return 0;
}
