// DemoDriver: keeps a simulated guild alive. In demo mode it changes a few presences every
// tick (new Spotify track, game start/stop, custom status, status flips, going offline and
// back) and occasionally lets a member join or leave; in load mode it produces a fixed
// number of PRESENCE_UPDATEs per second for benchmarks.
//
// Threading: the driver runs its own thread and only calls the Simulator's thread-safe
// public API. start()/stop() may be called from any thread; the destructor stops. The
// Simulator must outlive the driver.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "util/snowflake.h"

namespace lantern::sim {

class Simulator;

class DemoDriver {
 public:
  struct Options {
    std::chrono::milliseconds tick{3000};  // demo mode: one round of changes per tick
    std::size_t changes_per_tick = 5;
    double join_leave_probability = 0.15;  // per tick
    // Load mode when > 0: this many presence updates per second (spread over 10 ms
    // slices), no joins or leaves; `tick` and `changes_per_tick` are ignored.
    double updates_per_second = 0;
    std::uint64_t seed = 7;
  };

  // `members` are the user ids the driver may change (e.g. from populate_demo_guild).
  DemoDriver(Simulator& sim, std::vector<Snowflake> members, Options options);
  ~DemoDriver();
  DemoDriver(const DemoDriver&) = delete;
  DemoDriver& operator=(const DemoDriver&) = delete;

  void start();
  void stop();  // joins the thread; idempotent

  std::uint64_t presence_updates() const { return presence_updates_; }
  std::uint64_t joins() const { return joins_; }
  std::uint64_t leaves() const { return leaves_; }

  // One demo round, synchronously (used by the thread; public for tests).
  void step();

 private:
  void run();
  void change_presence(Snowflake id);
  void join_or_leave();

  Simulator& sim_;
  std::vector<Snowflake> members_;  // driver thread only (or the caller of step())
  Options options_;
  std::mt19937_64 rng_;
  Snowflake next_id_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // mu_
  std::atomic<std::uint64_t> presence_updates_{0};
  std::atomic<std::uint64_t> joins_{0};
  std::atomic<std::uint64_t> leaves_{0};
};

}  // namespace lantern::sim
