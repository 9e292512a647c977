// socket_loadgen: opens many /socket sessions against a running Lantern server,
// keeps them alive with heartbeats, counts the frames they receive and, when a
// frame carries a send-time marker, the delivery latency.
//
// One process may hold at most 20,000 open files here, so the sessions are
// spread over --processes child processes (fork), each running one io_context
// thread. Children report to the parent through a pipe; the parent prints one
// summary (and, with --server-pid, the server's RSS per session).
//
//   socket_loadgen --port 8000 --users 1000 --first-user 100000000000000000
//                  --sessions 18000 --processes 4 --all-every 1000 --seconds 60
//                  [--server-pid PID] [--zlib 1]
//
// Session i subscribes to user first_user + (i mod users), or to "All" when
// --all-every divides i + 1. Latency: when a frame contains "lg_ts:<unix ms>"
// (a load driver puts it in a custom status), now - that moment is recorded.
// Ordering: when a frame contains "lg_seq:<n>", n must grow per user per session.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Config {
  std::string host = "127.0.0.1";
  std::string port = "8000";
  std::uint64_t first_user = 100000000000000000;
  int users = 1000;
  int sessions = 1000;
  int processes = 1;
  int all_every = 0;  // 0: no All sessions
  int seconds = 30;
  int max_connecting = 256;
  int server_pid = 0;
  bool zlib = false;
};

// Latency histogram in milliseconds (last bucket: everything above).
constexpr int kBuckets = 2001;

struct Stats {
  std::uint64_t connected = 0, initialized = 0, failed = 0, closed = 0, frames = 0, reordered = 0;
  std::uint64_t disconnects = 0, errors = 0;
  // Latency and frames/s are measured only once every session of the process
  // is initialized (during the ramp the generator itself is the bottleneck).
  bool measuring = false;
  std::uint64_t measured_frames = 0;
  std::array<std::uint64_t, kBuckets> latency{};
};

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The integer after `marker` in `text`, if present.
std::optional<std::int64_t> number_after(std::string_view text, std::string_view marker) {
  auto at = text.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  std::int64_t value = 0;
  auto begin = text.data() + at + marker.size();
  auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
  if (ec != std::errc() || end == begin) return std::nullopt;
  return value;
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(net::io_context& io, const Config& config, Stats& stats, std::string init,
             std::function<void()> on_connected)
      : ws_(io),
        heartbeat_(io),
        config_(config),
        stats_(stats),
        init_(std::move(init)),
        on_connected_(std::move(on_connected)) {}

  void start(const tcp::resolver::results_type& endpoints) {
    beast::get_lowest_layer(ws_).async_connect(
        endpoints, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
          if (ec) return self->fail();
          self->ws_.async_handshake(
              self->config_.host, self->config_.zlib ? "/socket?compression=zlib_json" : "/socket",
              [self](beast::error_code ec) { self->on_handshake(ec); });
        });
  }

 private:
  void on_handshake(beast::error_code ec) {
    done_connecting();
    if (ec) return fail();
    stats_.connected++;
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      stats_.closed++;
      return;
    }
    std::string_view text(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    if (!config_.zlib) inspect(text);
    buffer_.consume(buffer_.size());
    do_read();
  }

  void inspect(std::string_view text) {
    auto op = number_after(text, "\"op\":");
    if (!op) return;
    if (*op == 1) {
      interval_ms_ = number_after(text, "\"heartbeat_interval\":").value_or(30000);
      write(init_);
      schedule_heartbeat();
    } else if (*op == 3) {
      stats_.initialized++;
    } else if (*op == 9 || *op == 11) {
      (*op == 9 ? stats_.disconnects : stats_.errors)++;
      if (stats_.disconnects + stats_.errors <= 3) std::cerr << "server said: " << text << "\n";
    } else if (*op == 6) {
      stats_.frames++;
      if (stats_.measuring) measure(text);
      check_order(text);
    } else {
      stats_.frames++;
    }
  }

  void measure(std::string_view text) {
    stats_.measured_frames++;
    if (auto sent = number_after(text, "lg_ts:")) {
      stats_.latency[std::clamp<std::int64_t>(unix_ms() - *sent, 0, kBuckets - 1)]++;
    }
  }

  void check_order(std::string_view text) {
    auto seq = number_after(text, "lg_seq:");
    auto user = number_after(text, R"("id":")");
    if (!seq || !user) return;
    auto& last = last_seq_[*user];
    if (*seq <= last) stats_.reordered++;
    last = *seq;
  }

  void schedule_heartbeat() {
    heartbeat_.expires_after(std::chrono::milliseconds(interval_ms_ * 9 / 10));
    heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->write(R"({"op":4})");
      self->schedule_heartbeat();
    });
  }

  // Only INIT and heartbeats are written, seconds apart: one write at a time.
  void write(std::string text) {
    if (writing_) return;
    writing_ = true;
    outgoing_ = std::move(text);
    ws_.async_write(net::buffer(outgoing_),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      self->writing_ = false;
                      if (ec) self->heartbeat_.cancel();
                    });
  }

  void fail() {
    done_connecting();
    stats_.failed++;
  }

  void done_connecting() {
    if (on_connected_) std::exchange(on_connected_, nullptr)();
  }

  websocket::stream<beast::tcp_stream> ws_;
  net::steady_timer heartbeat_;
  const Config& config_;
  Stats& stats_;
  std::string init_;
  std::function<void()> on_connected_;
  beast::flat_buffer buffer_;
  std::string outgoing_;
  bool writing_ = false;
  std::int64_t interval_ms_ = 30000;
  std::unordered_map<std::int64_t, std::int64_t> last_seq_;
};

std::string init_for(const Config& config, int index) {
  if (config.all_every > 0 && (index + 1) % config.all_every == 0) {
    return R"({"op":2,"d":{"user_id":"All"}})";
  }
  return R"({"op":2,"d":{"user_id":")" +
         std::to_string(config.first_user + static_cast<std::uint64_t>(index % config.users)) +
         "\"}}";
}

// Opens sessions [first, last) with at most max_connecting handshakes at once.
class Opener {
 public:
  Opener(net::io_context& io, const Config& config, Stats& stats, int first, int last,
         std::function<void()> on_all_open)
      : io_(io),
        config_(config),
        stats_(stats),
        next_(first),
        last_(last),
        on_all_open_(std::move(on_all_open)) {
    tcp::resolver resolver(io);
    endpoints_ = resolver.resolve(config.host, config.port);
  }

  void start() {
    for (int i = 0; i < config_.max_connecting; ++i) open_next();
  }

 private:
  void open_next() {
    if (next_ >= last_) {
      if (pending_ == 0 && on_all_open_) std::exchange(on_all_open_, nullptr)();
      return;
    }
    int index = next_++;
    pending_++;
    std::make_shared<Connection>(io_, config_, stats_, init_for(config_, index), [this] {
      pending_--;
      open_next();
    })->start(endpoints_);
  }

  net::io_context& io_;
  const Config& config_;
  Stats& stats_;
  tcp::resolver::results_type endpoints_;
  int next_, last_, pending_ = 0;
  std::function<void()> on_all_open_;
};

std::string serialize(const Stats& stats) {
  std::ostringstream out;
  out << stats.connected << ' ' << stats.initialized << ' ' << stats.failed << ' ' << stats.closed
      << ' ' << stats.frames << ' ' << stats.reordered << ' ' << stats.disconnects << ' '
      << stats.errors << ' ' << stats.measured_frames;
  for (auto count : stats.latency) out << ' ' << count;
  return out.str();
}

void merge(Stats& into, const std::string& line) {
  std::istringstream in(line);
  Stats s;
  in >> s.connected >> s.initialized >> s.failed >> s.closed >> s.frames >> s.reordered >>
      s.disconnects >> s.errors >> s.measured_frames;
  for (auto& count : s.latency) in >> count;
  into.connected += s.connected;
  into.initialized += s.initialized;
  into.failed += s.failed;
  into.closed += s.closed;
  into.frames += s.frames;
  into.reordered += s.reordered;
  into.disconnects += s.disconnects;
  into.errors += s.errors;
  into.measured_frames += s.measured_frames;
  for (int i = 0; i < kBuckets; ++i) into.latency[i] += s.latency[i];
}

// Child: open the sessions, say "ready" once all are open, hold them for
// config.seconds, then write the stats line and exit.
[[noreturn]] void run_child(const Config& config, int first, int last, int fd) {
  net::io_context io(1);
  Stats stats;
  net::steady_timer stop(io);
  // "ready" once every session is initialized or has failed (polled: a bench, not a test).
  const auto count = static_cast<std::uint64_t>(last - first);
  std::function<void(beast::error_code)> poll = [&](beast::error_code) {
    if (stats.initialized + stats.failed + stats.closed < count) {
      stop.expires_after(std::chrono::milliseconds(100));
      return stop.async_wait(poll);
    }
    stats.measuring = true;
    std::string ready = "ready\n";
    (void)!::write(fd, ready.data(), ready.size());
    stop.expires_after(std::chrono::seconds(config.seconds));
    stop.async_wait([&](beast::error_code) { io.stop(); });
  };
  Opener opener(io, config, stats, first, last, [&] { poll({}); });
  opener.start();
  io.run();
  std::string line = serialize(stats) + "\n";
  (void)!::write(fd, line.data(), line.size());
  std::_Exit(0);
}

std::uint64_t rss_kib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  std::uint64_t value = 0;
  while (status >> key) {
    if (key == "VmRSS:") {
      status >> value;
      return value;
    }
  }
  return 0;
}

std::uint64_t percentile(const Stats& stats, double p) {
  std::uint64_t total = 0;
  for (auto c : stats.latency) total += c;
  if (total == 0) return 0;
  std::uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += stats.latency[i];
    if (static_cast<double>(seen) >= p * static_cast<double>(total)) return i;
  }
  return kBuckets - 1;
}

Config parse_args(int argc, char** argv) {
  Config c;
  const std::map<std::string, std::function<void(const std::string&)>> options = {
      {"--host", [&](auto& v) { c.host = v; }},
      {"--port", [&](auto& v) { c.port = v; }},
      {"--first-user", [&](auto& v) { c.first_user = std::stoull(v); }},
      {"--users", [&](auto& v) { c.users = std::stoi(v); }},
      {"--sessions", [&](auto& v) { c.sessions = std::stoi(v); }},
      {"--processes", [&](auto& v) { c.processes = std::stoi(v); }},
      {"--all-every", [&](auto& v) { c.all_every = std::stoi(v); }},
      {"--seconds", [&](auto& v) { c.seconds = std::stoi(v); }},
      {"--server-pid", [&](auto& v) { c.server_pid = std::stoi(v); }},
      {"--zlib", [&](auto& v) { c.zlib = v == "1"; }},
  };
  for (int i = 1; i + 1 < argc; i += 2) {
    auto option = options.find(argv[i]);
    if (option == options.end()) {
      std::cerr << "unknown option " << argv[i] << "\n";
      std::exit(2);
    }
    option->second(argv[i + 1]);
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  Config config = parse_args(argc, argv);
  const std::uint64_t rss_before = config.server_pid ? rss_kib(config.server_pid) : 0;
  std::vector<FILE*> pipes;
  const int per_process = (config.sessions + config.processes - 1) / config.processes;
  for (int p = 0; p < config.processes; ++p) {
    int fds[2];
    if (::pipe(fds) != 0) return 1;
    const int first = p * per_process;
    const int last = std::min(config.sessions, first + per_process);
    if (::fork() == 0) {
      ::close(fds[0]);
      run_child(config, first, last, fds[1]);
    }
    ::close(fds[1]);
    pipes.push_back(::fdopen(fds[0], "r"));
  }
  auto read_line = [](FILE* pipe) {
    std::string line;
    for (int ch; (ch = std::fgetc(pipe)) != EOF && ch != '\n';) line += static_cast<char>(ch);
    return line;
  };
  for (FILE* pipe : pipes) read_line(pipe);  // "ready"
  const std::uint64_t rss_open = config.server_pid ? rss_kib(config.server_pid) : 0;
  Stats total;
  for (FILE* pipe : pipes) merge(total, read_line(pipe));
  while (::wait(nullptr) > 0) {
  }
  std::cout << "sessions " << config.sessions << " connected " << total.connected << " initialized "
            << total.initialized << " failed " << total.failed << " closed_early " << total.closed
            << "\nframes " << total.frames << ", after the ramp "
            << total.measured_frames / std::max(config.seconds, 1) << "/s; reordered "
            << total.reordered << " disconnects " << total.disconnects << " errors " << total.errors
            << "\nlatency_ms p50 " << percentile(total, 0.5) << " p99 " << percentile(total, 0.99)
            << " max " << percentile(total, 1.0) << "\n";
  if (config.server_pid) {
    std::cout << "server_rss_kib before " << rss_before << " with_sessions " << rss_open
              << " per_session_bytes "
              << (rss_open - rss_before) * 1024 / std::max<std::uint64_t>(total.connected, 1)
              << "\n";
  }
  return total.failed == 0 && total.reordered == 0 ? 0 : 1;
}
