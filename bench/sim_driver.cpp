// sim_driver: the Discord side of the end-to-end /socket benchmark (issue 4).
//
// Runs the in-repo Discord simulator (src/sim: real Gateway v10, zlib-stream)
// with a guild of --users members whose user ids are --first-user + i, and,
// once started, dispatches PRESENCE_UPDATEs at --rate per second for --seconds,
// round robin over the users. A real `lantern serve` pointed at the simulator
// (bench/socket_e2e.sh) decodes them, applies them to its PresenceStore and fans
// them out to its /socket sessions, where socket_loadgen checks and times them.
//
//   sim_driver --port 0 --users 1000 --first-user 100000000000000000
//              --rate 2000 --seconds 60 [--wait-signal 1]
//
// Prints "port <n>" once the simulator listens. With --wait-signal 1 the
// updates start on SIGUSR1 (socket_loadgen --driver-pid sends it once all its
// sessions are initialized); otherwise at once. After the last update it prints
// what it sent and keeps the simulator (and Lantern's gateway session) up until
// SIGINT/SIGTERM.
//
// Markers: each member's presence holds a custom status whose state is
// "lg_u:<i> lg_seq:<n> lg_ts:<unix µs>": the user's index, a per-user sequence
// number (0 in the initial presence, then 1, 2, ...) and the CLOCK_REALTIME
// moment just before the update was handed to the simulator. Update k (from 0)
// goes to user k mod users, so after N updates user i's last sequence number is
// N / users + (i < N mod users): socket_loadgen --updates N counts the frames
// that never arrived from that.
#include <signal.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench_options.h"
#include "sim/demo_guild.h"
#include "sim/simulator.h"
#include "util/time.h"

namespace {

namespace json = boost::json;
using namespace lantern;

struct Config {
  std::uint16_t port = 0;
  int users = 1000;
  std::uint64_t first_user = 100000000000000000;
  double rate = 2000;
  int seconds = 60;
  bool wait_signal = false;
};

Config parse_args(int argc, char** argv) {
  Config c;
  const lantern::bench::OptionSetters options = {
      {"--port", [&](auto& v) { c.port = static_cast<std::uint16_t>(std::stoi(v)); }},
      {"--users", [&](auto& v) { c.users = std::stoi(v); }},
      {"--first-user", [&](auto& v) { c.first_user = std::stoull(v); }},
      {"--rate", [&](auto& v) { c.rate = std::stod(v); }},
      {"--seconds", [&](auto& v) { c.seconds = std::stoi(v); }},
      {"--wait-signal", [&](auto& v) { c.wait_signal = v == "1"; }},
  };
  lantern::bench::parse_options(argc, argv, options);
  return c;
}

std::int64_t realtime_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// `base` with the marker custom status in front of its other activities.
json::object with_marker(const json::object& base, int user, std::int64_t seq, std::int64_t ts_us,
                         std::int64_t now_ms) {
  json::object p = base;
  json::array activities;
  activities.push_back(
      json::object{{"type", 4},
                   {"name", "Custom Status"},
                   {"id", "custom"},
                   {"state", "lg_u:" + std::to_string(user) + " lg_seq:" + std::to_string(seq) +
                                 " lg_ts:" + std::to_string(ts_us)},
                   {"created_at", now_ms}});
  for (const auto& activity : base.at("activities").as_array()) activities.push_back(activity);
  p["activities"] = std::move(activities);
  return p;
}

// Waits for one of `set`'s signals (blocked in every thread) and returns it.
int wait_signal(const sigset_t& set) {
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace

int main(int argc, char** argv) {
  const Config config = parse_args(argc, argv);
  // Block the signals before the simulator starts its thread, so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGUSR1);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  sim::Simulator::Options options;
  options.port = config.port;
  sim::Simulator simulator(options);

  // Members shaped like the demo guild (Spotify, games, platforms), all online,
  // with contiguous ids so that the load generator can name them.
  std::mt19937_64 rng(42);
  const std::int64_t now = unix_now_ms();
  std::vector<json::object> base(static_cast<std::size_t>(config.users));
  for (int i = 0; i < config.users; ++i) {
    const Snowflake id = config.first_user + static_cast<std::uint64_t>(i);
    json::object presence = sim::make_demo_presence(rng, id, now);
    json::array others;
    for (const auto& activity : presence["activities"].as_array()) {
      if (activity.at("type") != 4) others.push_back(activity);
    }
    presence["activities"] = std::move(others);
    base[static_cast<std::size_t>(i)] = presence;
    simulator.add_member(sim::make_demo_member(rng, id), with_marker(presence, i, 0, 0, now));
  }
  simulator.start();
  std::printf("port %u\n", simulator.port());
  std::fflush(stdout);

  if (config.wait_signal) {
    for (int sig = wait_signal(signals); sig != SIGUSR1; sig = wait_signal(signals)) {
      if (sig == SIGINT || sig == SIGTERM) return 0;
    }
  }

  // Update k is due at k / rate seconds after the start; whatever is due is sent,
  // then the thread sleeps 0.5 ms.
  const auto total = static_cast<std::int64_t>(config.rate * config.seconds);
  std::vector<std::int64_t> seq(static_cast<std::size_t>(config.users), 0);
  const auto start = std::chrono::steady_clock::now();
  std::int64_t sent = 0;
  std::int64_t max_late_us = 0;
  while (sent < total) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto due = std::min(total, static_cast<std::int64_t>(elapsed * config.rate) + 1);
    max_late_us = std::max(
        max_late_us,
        static_cast<std::int64_t>((elapsed - static_cast<double>(sent) / config.rate) * 1e6));
    for (; sent < due; ++sent) {
      const int user = static_cast<int>(sent % config.users);
      const auto index = static_cast<std::size_t>(user);
      const json::object presence =
          with_marker(base[index], user, ++seq[index], realtime_us(), unix_now_ms());
      simulator.set_presence(config.first_user + index, presence);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("driver: sent %lld updates in %.2f s (%.0f/s), at most %.1f ms behind schedule\n",
              static_cast<long long>(sent), took, static_cast<double>(sent) / took,
              static_cast<double>(max_late_us) / 1000.0);
  std::fflush(stdout);
  for (int sig = wait_signal(signals); sig == SIGUSR1; sig = wait_signal(signals)) {
  }
  simulator.stop();
  return 0;
}
