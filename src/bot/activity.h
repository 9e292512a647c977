// The bot's own activity, "Monitoring N users" (API.md section 5), refreshed at
// start and every 3 hours.
//
// ActivityTimer owns the refresh timer; the app supplies how to count and how to
// publish (GatewayClient::update_presence, which may be called from any thread), so
// this file needs neither the gateway nor the store.
//
// Threading: start(), refresh() and stop() may be called from any thread; they post
// to a strand made from the executor given to the constructor, where `count` and
// `publish` are called. Lifetime: stop() (or destroy) the timer before the
// io_context; `count` and `publish` must stay callable until the timer is
// destroyed. Destroying it stops it: nothing publishes afterwards, except a publish
// that was already running on the strand at that moment, which completes.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace lantern::bot {

// "Monitoring 1 user", "Monitoring 250 users".
std::string monitoring_text(std::size_t users);

class ActivityTimer {
 public:
  static constexpr std::chrono::hours kDefaultInterval{3};

  ActivityTimer(boost::asio::any_io_executor executor, std::function<std::size_t()> count,
                std::function<void(std::string)> publish,
                std::chrono::steady_clock::duration interval = kDefaultInterval);
  ~ActivityTimer();

  ActivityTimer(const ActivityTimer&) = delete;
  ActivityTimer& operator=(const ActivityTimer&) = delete;

  // Publishes now and then every interval. The app calls it once the first member
  // sync has ended (PresenceStore::synced()), or the first text would read 0
  // users for 3 hours. A second call restarts the period.
  void start();
  // Publishes now without changing the schedule (e.g. after a resync).
  void refresh();
  // Cancels the timer. Idempotent; start() may follow.
  void stop();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace lantern::bot
