// socket_loadgen: opens many /socket sessions against a running Lantern server
// (or bench/socket_server), keeps them alive with heartbeats, and checks and
// times every PRESENCE_UPDATE they receive.
//
// One process may hold at most 20,000 open files here, so the sessions are
// spread over --processes child processes (fork). Each child is one thread with
// one epoll set and a minimal WebSocket client written for this tool: it reads
// up to 256 KiB per read(2), parses server frames in place (no copy unless a
// frame straddles two reads, no UTF-8 validation) and looks at a frame only
// where it must: the opcode in its first bytes and, for PRESENCE_UPDATE, the
// marker the driver put in a custom status (memmem, then from_chars). It does
// not parse the JSON: it is the bench's instrument, and it has to stay cheaper
// per frame than the server it measures, on the same two cores.
//
//   socket_loadgen --port 8000 --users 1000 --first-user 100000000000000000
//                  --sessions 18000 --processes 2 --all-every 1000 --seconds 60
//                  [--server-pid PID] [--driver-pid PID] [--updates N] [--drain 3]
//
// Session i subscribes to user first_user + (i mod users), or to "All" when
// --all-every divides i + 1.
//
// Markers (bench/sim_driver.cpp, bench/socket_server.cpp): a user's data holds
// "lg_u:<index> lg_seq:<n> lg_ts:<unix µs>". Per session and user, every frame
// must carry the next n after the last one seen (the INIT_ACK gives the
// starting point): a smaller or equal n counts as reordered, a jump as lost
// frames. With --updates N (the driver sends exactly N updates round robin)
// the frames still missing at the end are counted as lost too. Latency is the
// CLOCK_REALTIME difference between lg_ts and the frame's arrival (every
// process runs on this machine).
//
// Run: the children open their sessions; once every child's sessions are
// initialized the parent sends SIGUSR1 to --driver-pid (which starts the
// updates), measures for --seconds (CPU of --server-pid and --driver-pid from
// /proc, their RSS), waits --drain more seconds for the last frames (frames/s
// is still divided by --seconds), then stops the children and prints one summary, the
// per-user sessions and the All sessions separately. Exit status 0 when no
// session failed and no frame was lost or reordered.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_options.h"

namespace {

struct Config {
  std::string host = "127.0.0.1";
  int port = 8000;
  std::uint64_t first_user = 100000000000000000;
  int users = 1000;
  int sessions = 1000;
  int processes = 2;
  int all_every = 0;  // 0: no All sessions
  int seconds = 30;
  int max_connecting = 256;
  int server_pid = 0;
  int driver_pid = 0;
  std::int64_t updates = -1;  // -1: unknown, no tail-loss count
  int drain = 0;              // seconds to wait after --seconds for the last frames
};

// Latency histogram: 0.1 ms buckets up to 10 s (the last bucket holds everything above).
constexpr int kBuckets = 100001;
constexpr std::int64_t kBucketUs = 100;

struct Stats {
  std::uint64_t sessions = 0, connected = 0, failed = 0, initialized = 0, closed = 0;
  std::uint64_t frames = 0;  // PRESENCE_UPDATEs while measuring
  std::uint64_t reordered = 0, lost_gap = 0, lost_tail = 0, wrong_user = 0, unmarked = 0;
  std::uint64_t disconnects = 0, errors = 0, write_errors = 0;
  std::int64_t first_us = 0, last_us = 0;  // arrival of the first and last measured frame
  std::vector<std::uint64_t> latency = std::vector<std::uint64_t>(kBuckets, 0);

  void add(const Stats& s) {
    sessions += s.sessions;
    connected += s.connected;
    failed += s.failed;
    initialized += s.initialized;
    closed += s.closed;
    frames += s.frames;
    reordered += s.reordered;
    lost_gap += s.lost_gap;
    lost_tail += s.lost_tail;
    wrong_user += s.wrong_user;
    unmarked += s.unmarked;
    disconnects += s.disconnects;
    errors += s.errors;
    write_errors += s.write_errors;
    if (s.first_us && (!first_us || s.first_us < first_us)) first_us = s.first_us;
    last_us = std::max(last_us, s.last_us);
    for (int i = 0; i < kBuckets; ++i) latency[i] += s.latency[i];
  }
};

std::int64_t realtime_us() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

std::int64_t steady_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

// The integer at `at` in `text` (after a marker), if any.
std::optional<std::int64_t> number_at(std::string_view text, std::size_t at) {
  if (at > text.size()) return std::nullopt;
  std::int64_t value = 0;
  auto begin = text.data() + at;
  auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
  if (ec != std::errc() || end == begin) return std::nullopt;
  return value;
}

std::size_t find(std::string_view text, std::string_view marker, std::size_t from = 0) {
  if (from >= text.size()) return std::string_view::npos;
  const void* at = memmem(text.data() + from, text.size() - from, marker.data(), marker.size());
  return at ? static_cast<std::size_t>(static_cast<const char*>(at) - text.data())
            : std::string_view::npos;
}

std::optional<std::int64_t> number_after(std::string_view text, std::string_view marker,
                                         std::size_t from = 0) {
  const auto at = find(text, marker, from);
  if (at == std::string_view::npos) return std::nullopt;
  return number_at(text, at + marker.size());
}

// One marker "lg_u:<u> lg_seq:<n> lg_ts:<t>" found at `at` (pointing at "lg_u:").
struct Marker {
  std::int64_t user = -1, seq = 0, ts_us = 0;
  std::size_t end = 0;
};

std::optional<Marker> marker_at(std::string_view text, std::size_t at) {
  Marker m;
  const char* p = text.data() + at + 5;
  const char* end = text.data() + text.size();
  auto read = [&](std::int64_t& value, std::string_view next) {
    auto [q, ec] = std::from_chars(p, end, value);
    if (ec != std::errc()) return false;
    p = q;
    if (next.empty()) return true;
    if (static_cast<std::size_t>(end - p) < next.size() || std::string_view(p, next.size()) != next)
      return false;
    p += next.size();
    return true;
  };
  if (!read(m.user, " lg_seq:") || !read(m.seq, " lg_ts:") || !read(m.ts_us, "")) {
    return std::nullopt;
  }
  m.end = static_cast<std::size_t>(p - text.data());
  return m;
}

// ---- one child process ------------------------------------------------------------

class Child {
 public:
  Child(const Config& config, int first, int last, int report_fd, int control_fd)
      : config_(config), report_fd_(report_fd), control_fd_(control_fd), buffer_(256 * 1024) {
    epoll_ = epoll_create1(0);
    for (int i = first; i < last; ++i) {
      Conn c;
      c.index = i;
      c.all = config.all_every > 0 && (i + 1) % config.all_every == 0;
      c.user = i % config.users;
      c.last_seq.assign(c.all ? static_cast<std::size_t>(config.users) : 1, -1);
      conns_.push_back(std::move(c));
      (conns_.back().all ? all_ : users_).sessions++;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kControl;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, control_fd_, &ev);
    request_ = "GET /socket HTTP/1.1\r\nHost: " + config.host + ":" + std::to_string(config.port) +
               "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    address_.sin_family = AF_INET;
    address_.sin_port = htons(static_cast<std::uint16_t>(config.port));
    inet_pton(AF_INET, config.host.c_str(), &address_.sin_addr);
  }

  [[noreturn]] void run() {
    std::vector<epoll_event> events(512);
    std::int64_t next_tick = steady_ms();
    while (!stopping_) {
      open_more();
      const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
      for (int i = 0; i < n; ++i) {
        const auto id = events[i].data.u64;
        if (id == kControl) {
          stopping_ = true;
          continue;
        }
        handle(conns_[id], events[i].events);
      }
      const std::int64_t now = steady_ms();
      if (now >= next_tick) {
        next_tick = now + 250;
        tick(now);
      }
    }
    finish();
    std::_Exit(0);
  }

 private:
  enum class State : std::uint8_t { kIdle, kConnecting, kHandshake, kOpen, kDone };

  struct Conn {
    int fd = -1;
    int index = 0;
    int user = 0;
    bool all = false;
    bool initialized = false;
    State state = State::kIdle;
    std::int64_t heartbeat_interval_ms = 30000;
    std::int64_t next_heartbeat_ms = 0;
    std::string pending;                 // bytes of an incomplete frame (or of the HTTP response)
    std::string message;                 // a fragmented message being assembled
    std::vector<std::int64_t> last_seq;  // per user (All) or the one user; -1 = none yet
  };

  static constexpr std::uint64_t kControl = ~0ULL;

  Stats& stats_of(const Conn& c) { return c.all ? all_ : users_; }

  void open_more() {
    while (connecting_ < config_.max_connecting && next_open_ < conns_.size()) {
      Conn& c = conns_[next_open_];
      const auto id = next_open_++;
      c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (c.fd < 0) {
        fail(c);
        continue;
      }
      int one = 1;
      setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      const int rc = connect(c.fd, reinterpret_cast<const sockaddr*>(&address_), sizeof address_);
      if (rc != 0 && errno != EINPROGRESS) {
        fail(c);
        continue;
      }
      c.state = State::kConnecting;
      connecting_++;
      epoll_event ev{};
      ev.events = EPOLLOUT | EPOLLIN;
      ev.data.u64 = id;
      epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
    }
  }

  void handle(Conn& c, std::uint32_t events) {
    if (c.state == State::kConnecting) {
      int error = 0;
      socklen_t size = sizeof error;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &size);
      if (error != 0 || (events & (EPOLLERR | EPOLLHUP))) return fail(c);
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = static_cast<std::uint64_t>(&c - conns_.data());
      epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
      c.state = State::kHandshake;
      if (!send_all(c, request_)) return fail(c);
      return;
    }
    if (c.state == State::kHandshake || c.state == State::kOpen) read_from(c);
  }

  void read_from(Conn& c) {
    for (;;) {
      const ssize_t n = ::read(c.fd, buffer_.data(), buffer_.size());
      if (n == 0) return end(c);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        return end(c);
      }
      const std::int64_t now_us = realtime_us();
      std::string_view data(buffer_.data(), static_cast<std::size_t>(n));
      if (!c.pending.empty()) {
        c.pending.append(data);
        std::string joined = std::move(c.pending);
        c.pending.clear();
        consume(c, joined, now_us);
      } else {
        consume(c, data, now_us);
      }
      if (c.state == State::kDone || static_cast<std::size_t>(n) < buffer_.size()) return;
    }
  }

  // Parses what `data` holds completely; keeps the rest in c.pending.
  void consume(Conn& c, std::string_view data, std::int64_t now_us) {
    if (c.state == State::kHandshake) {
      const auto end_of_head = data.find("\r\n\r\n");
      if (end_of_head == std::string_view::npos) {
        c.pending.assign(data);
        return;
      }
      if (data.substr(0, 12) != "HTTP/1.1 101") {
        std::cerr << "handshake refused: " << data.substr(0, data.find('\r')) << "\n";
        return fail(c);
      }
      c.state = State::kOpen;
      connecting_--;
      stats_of(c).connected++;
      data.remove_prefix(end_of_head + 4);
    }
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    std::size_t at = 0;
    while (c.state == State::kOpen) {
      const std::size_t avail = data.size() - at;
      if (avail < 2) break;
      const unsigned char b0 = p[at], b1 = p[at + 1];
      std::size_t header = 2;
      std::uint64_t length = b1 & 0x7f;
      if (length == 126) {
        if (avail < 4) break;
        length = (std::uint64_t{p[at + 2]} << 8) | p[at + 3];
        header = 4;
      } else if (length == 127) {
        if (avail < 10) break;
        length = 0;
        for (int i = 0; i < 8; ++i) length = (length << 8) | p[at + 2 + i];
        header = 10;
      }
      if (b1 & 0x80) header += 4;  // a server must not mask; tolerate it unmasked-as-is
      if (avail < header + length) break;
      std::string_view payload(data.data() + at + header, static_cast<std::size_t>(length));
      at += header + static_cast<std::size_t>(length);
      on_frame(c, b0 & 0x80, b0 & 0x0f, payload, now_us);
    }
    if (c.state == State::kOpen && at < data.size()) c.pending.assign(data.substr(at));
  }

  void on_frame(Conn& c, bool fin, int opcode, std::string_view payload, std::int64_t now_us) {
    switch (opcode) {
      case 0x0:  // continuation
        c.message.append(payload);
        if (fin) {
          std::string whole = std::move(c.message);
          c.message.clear();
          on_message(c, whole, now_us);
        }
        return;
      case 0x1:
      case 0x2:
        if (fin) return on_message(c, payload, now_us);
        c.message.assign(payload);
        return;
      case 0x8: {  // close: answer with the same code, then drop the connection
        const std::string_view code = payload.substr(0, std::min<std::size_t>(2, payload.size()));
        write_frame(c, 0x8, code);
        return end(c);
      }
      case 0x9:
        write_frame(c, 0xA, payload);
        return;
      default:
        return;
    }
  }

  void on_message(Conn& c, std::string_view text, std::int64_t now_us) {
    Stats& stats = stats_of(c);
    const auto op = number_after(text.substr(0, std::min<std::size_t>(text.size(), 64)), "\"op\":");
    if (!op) return;
    switch (*op) {
      case 1:  // HELLO
        c.heartbeat_interval_ms = number_after(text, "\"heartbeat_interval\":").value_or(30000);
        c.next_heartbeat_ms = steady_ms() + c.heartbeat_interval_ms * 9 / 10;
        write_frame(c, 0x1, init_for(c));
        return;
      case 3:  // INIT_ACK: the starting point of every user's sequence
        for (auto at = find(text, "lg_u:"); at != std::string_view::npos;
             at = find(text, "lg_u:", at + 5)) {
          if (auto m = marker_at(text, at)) accept_marker(c, stats, *m, now_us, /*event=*/false);
        }
        if (!c.initialized) {
          c.initialized = true;
          stats.initialized++;
        }
        return;
      case 6:  // PRESENCE_UPDATE
        if (auto at = find(text, "lg_u:"); at != std::string_view::npos) {
          if (auto m = marker_at(text, at)) return accept_marker(c, stats, *m, now_us, true);
        }
        stats.unmarked++;
        return;
      case 9:
      case 11:
        (*op == 9 ? stats.disconnects : stats.errors)++;
        if (++said_ <= 3) std::cerr << "server said: " << text.substr(0, 200) << "\n";
        return;
      default:
        return;
    }
  }

  void accept_marker(Conn& c, Stats& stats, const Marker& m, std::int64_t now_us, bool event) {
    if (m.user < 0 || m.user >= config_.users || (!c.all && m.user != c.user)) {
      stats.wrong_user++;
      return;
    }
    auto& last = c.last_seq[c.all ? static_cast<std::size_t>(m.user) : 0];
    if (event) {
      if (last >= 0 && m.seq <= last) {
        stats.reordered++;
        return;
      }
      if (last >= 0 && m.seq > last + 1)
        stats.lost_gap += static_cast<std::uint64_t>(m.seq - last - 1);
      if (measuring_) {
        stats.frames++;
        if (!stats.first_us) stats.first_us = now_us;
        stats.last_us = now_us;
        const auto bucket =
            std::clamp<std::int64_t>((now_us - m.ts_us) / kBucketUs, 0, kBuckets - 1);
        stats.latency[static_cast<std::size_t>(bucket)]++;
      }
    }
    last = m.seq;
  }

  std::string init_for(const Conn& c) const {
    if (c.all) return R"({"op":2,"d":{"user_id":"All"}})";
    return R"({"op":2,"d":{"user_id":")" +
           std::to_string(config_.first_user + static_cast<std::uint64_t>(c.user)) + "\"}}";
  }

  // A masked client frame (RFC 6455 5.3), small payloads only.
  void write_frame(Conn& c, int opcode, std::string_view payload) {
    if (payload.size() > 125) return;
    std::string frame;
    frame.push_back(static_cast<char>(0x80 | opcode));
    frame.push_back(static_cast<char>(0x80 | payload.size()));
    const unsigned char mask[4] = {0x37, 0xfa, 0x21, 0x3d};
    frame.append(reinterpret_cast<const char*>(mask), 4);
    for (std::size_t i = 0; i < payload.size(); ++i) {
      frame.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    }
    if (!send_all(c, frame)) stats_of(c).write_errors++;
  }

  static bool send_all(Conn& c, std::string_view bytes) {
    const ssize_t n = ::send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    return n == static_cast<ssize_t>(bytes.size());
  }

  void tick(std::int64_t now) {
    if (!measuring_) {
      std::uint64_t settled = 0;
      for (const auto& c : conns_) settled += c.initialized || c.state == State::kDone;
      if (next_open_ == conns_.size() && settled == conns_.size()) {
        measuring_ = true;
        cpu_at_ready_us_ = cpu_us();
        (void)!::write(report_fd_, "ready\n", 6);
      }
    }
    for (auto& c : conns_) {
      if (c.state == State::kOpen && c.next_heartbeat_ms && now >= c.next_heartbeat_ms) {
        write_frame(c, 0x1, R"({"op":4})");
        c.next_heartbeat_ms = now + c.heartbeat_interval_ms * 9 / 10;
      }
    }
  }

  void fail(Conn& c) {
    stats_of(c).failed++;
    if (c.state == State::kConnecting || c.state == State::kHandshake) connecting_--;
    close_fd(c);
  }

  void end(Conn& c) {
    if (c.state == State::kConnecting || c.state == State::kHandshake) return fail(c);
    stats_of(c).closed++;
    close_fd(c);
  }

  void close_fd(Conn& c) {
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
    c.state = State::kDone;
  }

  // Counts the frames that never came (with --updates), reports, exits.
  void finish() {
    if (config_.updates >= 0) {
      const auto n = config_.updates;
      auto expected = [&](std::int64_t user) {
        return n / config_.users + (user < n % config_.users ? 1 : 0);
      };
      for (const auto& c : conns_) {
        if (!c.initialized) continue;
        Stats& stats = stats_of(c);
        for (std::size_t i = 0; i < c.last_seq.size(); ++i) {
          const std::int64_t user = c.all ? static_cast<std::int64_t>(i) : c.user;
          const std::int64_t missing = expected(user) - std::max<std::int64_t>(c.last_seq[i], 0);
          if (missing > 0) stats.lost_tail += static_cast<std::uint64_t>(missing);
        }
      }
    }
    std::ostringstream out;
    out << cpu_us() - cpu_at_ready_us_ << ' ' << serialize(users_) << ' ' << serialize(all_)
        << '\n';
    const std::string line = out.str();
    for (std::size_t done = 0; done < line.size();) {
      const ssize_t n = ::write(report_fd_, line.data() + done, line.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
  }

  static std::int64_t cpu_us() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000LL + usage.ru_utime.tv_usec +
           usage.ru_stime.tv_usec;
  }

  static std::string serialize(const Stats& s) {
    std::ostringstream out;
    out << s.sessions << ' ' << s.connected << ' ' << s.failed << ' ' << s.initialized << ' '
        << s.closed << ' ' << s.frames << ' ' << s.reordered << ' ' << s.lost_gap << ' '
        << s.lost_tail << ' ' << s.wrong_user << ' ' << s.unmarked << ' ' << s.disconnects << ' '
        << s.errors << ' ' << s.write_errors << ' ' << s.first_us << ' ' << s.last_us;
    std::size_t used = 0;
    for (auto count : s.latency) used += count != 0;
    out << ' ' << used;
    for (int i = 0; i < kBuckets; ++i) {
      if (s.latency[i]) out << ' ' << i << ' ' << s.latency[i];
    }
    return out.str();
  }

  const Config& config_;
  const int report_fd_;
  const int control_fd_;
  int epoll_ = -1;
  std::vector<char> buffer_;  // one read buffer for every connection of the process
  std::vector<Conn> conns_;
  std::size_t next_open_ = 0;
  int connecting_ = 0;
  bool measuring_ = false;
  std::int64_t cpu_at_ready_us_ = 0;
  bool stopping_ = false;
  int said_ = 0;
  std::string request_;
  sockaddr_in address_{};
  Stats users_, all_;
};

Stats parse_stats(std::istream& in) {
  Stats s;
  in >> s.sessions >> s.connected >> s.failed >> s.initialized >> s.closed >> s.frames >>
      s.reordered >> s.lost_gap >> s.lost_tail >> s.wrong_user >> s.unmarked >> s.disconnects >>
      s.errors >> s.write_errors >> s.first_us >> s.last_us;
  std::size_t used = 0;
  in >> used;
  for (std::size_t i = 0; i < used; ++i) {
    std::size_t bucket = 0;
    std::uint64_t count = 0;
    in >> bucket >> count;
    if (bucket < s.latency.size()) s.latency[bucket] = count;
  }
  return s;
}

// ---- the parent ---------------------------------------------------------------------

struct ProcStat {
  double cpu_s = 0;  // utime + stime
  std::uint64_t rss_kib = 0, hwm_kib = 0;
};

ProcStat proc_stat(int pid) {
  ProcStat out;
  if (pid <= 0) return out;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    std::vector<std::string> values;
    while (fields >> field) values.push_back(field);
    // Fields 14 and 15 of proc(5), counted from 3 after the command name.
    if (values.size() > 13) {
      out.cpu_s = static_cast<double>(std::stoull(values[11]) + std::stoull(values[12])) /
                  static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") status >> out.rss_kib;
    if (key == "VmHWM:") status >> out.hwm_kib;
  }
  return out;
}

double percentile_ms(const Stats& s, double p) {
  std::uint64_t total = 0;
  for (auto c : s.latency) total += c;
  if (total == 0) return 0;
  std::uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += s.latency[i];
    if (static_cast<double>(seen) >= p * static_cast<double>(total)) {
      return static_cast<double>((i + 1) * kBucketUs) / 1000.0;  // the bucket's upper edge
    }
  }
  return static_cast<double>(kBuckets * kBucketUs) / 1000.0;
}

double max_ms(const Stats& s) {
  for (int i = kBuckets - 1; i >= 0; --i) {
    if (s.latency[i]) return static_cast<double>((i + 1) * kBucketUs) / 1000.0;
  }
  return 0;
}

void print(const char* name, const Stats& s, int seconds) {
  const double span_s =
      s.last_us > s.first_us ? static_cast<double>(s.last_us - s.first_us) / 1e6 : 0;
  std::printf(
      "%s: sessions %llu connected %llu initialized %llu failed %llu closed %llu "
      "disconnects %llu errors %llu\n"
      "  frames %llu (%.0f/s over %d s, %.0f/s first to last) reordered %llu lost %llu "
      "(gaps %llu, never arrived %llu) wrong_user %llu unmarked %llu\n"
      "  latency_ms p50 %.1f p99 %.1f p99.9 %.1f max %.1f\n",
      name, (unsigned long long)s.sessions, (unsigned long long)s.connected,
      (unsigned long long)s.initialized, (unsigned long long)s.failed, (unsigned long long)s.closed,
      (unsigned long long)s.disconnects, (unsigned long long)s.errors, (unsigned long long)s.frames,
      static_cast<double>(s.frames) / std::max(seconds, 1), seconds,
      span_s > 0 ? static_cast<double>(s.frames) / span_s : 0.0, (unsigned long long)s.reordered,
      (unsigned long long)(s.lost_gap + s.lost_tail), (unsigned long long)s.lost_gap,
      (unsigned long long)s.lost_tail, (unsigned long long)s.wrong_user,
      (unsigned long long)s.unmarked, percentile_ms(s, 0.5), percentile_ms(s, 0.99),
      percentile_ms(s, 0.999), max_ms(s));
}

Config parse_args(int argc, char** argv) {
  Config c;
  const lantern::bench::OptionSetters options = {
      {"--host", [&](auto& v) { c.host = v; }},
      {"--port", [&](auto& v) { c.port = std::stoi(v); }},
      {"--first-user", [&](auto& v) { c.first_user = std::stoull(v); }},
      {"--users", [&](auto& v) { c.users = std::stoi(v); }},
      {"--sessions", [&](auto& v) { c.sessions = std::stoi(v); }},
      {"--processes", [&](auto& v) { c.processes = std::stoi(v); }},
      {"--all-every", [&](auto& v) { c.all_every = std::stoi(v); }},
      {"--seconds", [&](auto& v) { c.seconds = std::stoi(v); }},
      {"--server-pid", [&](auto& v) { c.server_pid = std::stoi(v); }},
      {"--driver-pid", [&](auto& v) { c.driver_pid = std::stoi(v); }},
      {"--updates", [&](auto& v) { c.updates = std::stoll(v); }},
      {"--drain", [&](auto& v) { c.drain = std::stoi(v); }},
      {"--max-connecting", [&](auto& v) { c.max_connecting = std::stoi(v); }},
  };
  lantern::bench::parse_options(argc, argv, options);
  return c;
}

std::string read_line(FILE* pipe) {
  std::string line;
  for (int ch; (ch = std::fgetc(pipe)) != EOF && ch != '\n';) line += static_cast<char>(ch);
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  const Config config = parse_args(argc, argv);
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  const ProcStat server_idle = proc_stat(config.server_pid);
  std::vector<FILE*> reports;
  std::vector<int> controls;
  const int per_process = (config.sessions + config.processes - 1) / config.processes;
  for (int p = 0; p < config.processes; ++p) {
    int report[2], control[2];
    if (::pipe(report) != 0 || ::pipe(control) != 0) return 1;
    const int first = p * per_process;
    const int last = std::min(config.sessions, first + per_process);
    if (::fork() == 0) {
      ::close(report[0]);
      ::close(control[1]);
      Child(config, first, last, report[1], control[0]).run();
    }
    ::close(report[1]);
    ::close(control[0]);
    reports.push_back(::fdopen(report[0], "r"));
    controls.push_back(control[1]);
  }
  const auto ramp_start = std::chrono::steady_clock::now();
  for (FILE* pipe : reports) read_line(pipe);  // "ready"
  const double ramp_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - ramp_start).count();
  const ProcStat server_open = proc_stat(config.server_pid);
  const ProcStat driver_start = proc_stat(config.driver_pid);
  if (config.driver_pid) ::kill(config.driver_pid, SIGUSR1);
  std::this_thread::sleep_for(std::chrono::seconds(config.seconds));
  const ProcStat server_end = proc_stat(config.server_pid);
  const ProcStat driver_end = proc_stat(config.driver_pid);
  std::this_thread::sleep_for(std::chrono::seconds(config.drain));
  for (int fd : controls) (void)!::write(fd, "x", 1);
  Stats users, all;
  double generator_cpu_s = 0;
  for (FILE* pipe : reports) {
    std::istringstream line(read_line(pipe));
    long long cpu_us = 0;
    line >> cpu_us;
    generator_cpu_s += static_cast<double>(cpu_us) / 1e6;
    users.add(parse_stats(line));
    all.add(parse_stats(line));
  }
  while (::wait(nullptr) > 0) {
  }
  Stats total;
  total.add(users);
  total.add(all);
  std::printf("ramp %.1f s; measured %d s\n", ramp_s, config.seconds);
  print("per-user sessions", users, config.seconds);
  print("All sessions", all, config.seconds);
  print("total", total, config.seconds);
  const double window = std::max(config.seconds, 1);
  if (config.server_pid) {
    std::printf(
        "server: cpu %.2f cores over the run; rss_kib idle %llu with_sessions %llu end %llu "
        "peak %llu; %.1f KiB per session\n",
        (server_end.cpu_s - server_open.cpu_s) / window, (unsigned long long)server_idle.rss_kib,
        (unsigned long long)server_open.rss_kib, (unsigned long long)server_end.rss_kib,
        (unsigned long long)server_end.hwm_kib,
        static_cast<double>(server_open.rss_kib - server_idle.rss_kib) /
            static_cast<double>(std::max<std::uint64_t>(total.initialized, 1)));
  }
  if (config.driver_pid) {
    std::printf("driver (simulator): cpu %.2f cores\n",
                (driver_end.cpu_s - driver_start.cpu_s) / window);
  }
  std::printf("load generator: cpu %.2f cores over the run (%d processes)\n",
              generator_cpu_s / window, config.processes);
  const bool ok = total.failed == 0 && total.reordered == 0 && total.lost_gap == 0 &&
                  total.lost_tail == 0 && total.wrong_user == 0 && total.closed == 0;
  return ok ? 0 : 1;
}
