#include "sim/demo_driver.h"

#include <algorithm>
#include <boost/json/array.hpp>

#include "sim/demo_guild.h"
#include "sim/simulator.h"
#include "util/time.h"

namespace lantern::sim {

namespace json = boost::json;

DemoDriver::DemoDriver(Simulator& sim, std::vector<Snowflake> members, Options options)
    : sim_(sim), members_(std::move(members)), options_(options), rng_(options.seed) {
  const Snowflake newest =
      members_.empty() ? 0 : *std::max_element(members_.begin(), members_.end());
  const Snowflake now_id = static_cast<Snowflake>(unix_now_ms() - kDiscordEpochMs) << 22;
  next_id_ = std::max(newest, now_id) + 1;
}

DemoDriver::~DemoDriver() {
  stop();
}

void DemoDriver::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void DemoDriver::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DemoDriver::run() {
  using namespace std::chrono;
  const bool load = options_.updates_per_second > 0;
  const auto slice = load ? milliseconds(10) : options_.tick;
  auto next = steady_clock::now();
  double owed = 0;
  for (;;) {
    next += slice;
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_until(lock, next, [&] { return stopping_; })) return;
    }
    if (!load) {
      step();
      continue;
    }
    owed += options_.updates_per_second * duration<double>(slice).count();
    if (members_.empty()) continue;
    while (owed >= 1.0) {
      change_presence(members_[rng_() % members_.size()]);
      owed -= 1.0;
    }
    // Never build up an unbounded backlog when the machine cannot keep up.
    if (steady_clock::now() > next + seconds(1)) next = steady_clock::now();
  }
}

void DemoDriver::step() {
  if (!members_.empty()) {
    for (std::size_t i = 0; i < options_.changes_per_tick; ++i) {
      change_presence(members_[rng_() % members_.size()]);
    }
  }
  if (std::uniform_real_distribution<double>(0, 1)(rng_) < options_.join_leave_probability) {
    join_or_leave();
  }
}

void DemoDriver::change_presence(Snowflake id) {
  const std::int64_t now = unix_now_ms();
  auto current = sim_.presence(id);
  json::object p;
  switch (rng_() % 6) {
    case 0:  // new Spotify track (replaces any Spotify activity)
    case 1: {
      p = current ? *current : make_demo_presence(rng_, id, now);
      json::array acts;
      for (const auto& a : p["activities"].as_array()) {
        if (a.as_object().if_contains("name") && a.at("name") != "Spotify") acts.push_back(a);
      }
      acts.push_back(make_spotify_activity(rng_, id, now));
      p["activities"] = std::move(acts);
      break;
    }
    case 2: {  // game start or stop
      p = current ? *current : make_demo_presence(rng_, id, now);
      json::array acts;
      bool had_game = false;
      for (const auto& a : p["activities"].as_array()) {
        if (a.at("type") == 0) {
          had_game = true;
        } else {
          acts.push_back(a);
        }
      }
      if (!had_game) acts.push_back(make_game_activity(rng_, now));
      p["activities"] = std::move(acts);
      break;
    }
    case 3: {  // new custom status
      p = current ? *current : make_demo_presence(rng_, id, now);
      json::array acts{make_custom_status(rng_, now)};
      for (const auto& a : p["activities"].as_array()) {
        if (a.at("type") != 4) acts.push_back(a);
      }
      p["activities"] = std::move(acts);
      break;
    }
    case 4: {  // status flip
      p = current ? *current : make_demo_presence(rng_, id, now);
      static constexpr const char* kStatus[] = {"online", "idle", "dnd"};
      const char* status = kStatus[rng_() % 3];
      p["status"] = status;
      json::object cs;
      for (const auto& [k, v] : p["client_status"].as_object()) cs[k] = status;
      if (cs.empty()) cs["desktop"] = status;
      p["client_status"] = std::move(cs);
      break;
    }
    default:  // go offline, or come back online
      if (current) {
        p = json::object{{"status", "offline"},
                         {"client_status", json::object{}},
                         {"activities", json::array{}}};
      } else {
        p = make_demo_presence(rng_, id, now);
      }
      break;
  }
  p.erase("user");
  if (sim_.set_presence(id, p)) ++presence_updates_;
}

void DemoDriver::join_or_leave() {
  const bool leave = !members_.empty() && (members_.size() > 1 && rng_() % 2 == 0);
  if (leave) {
    const std::size_t i = rng_() % members_.size();
    if (sim_.remove_member(members_[i])) ++leaves_;
    members_.erase(members_.begin() + static_cast<std::ptrdiff_t>(i));
    return;
  }
  const Snowflake id = next_id_++;
  const std::int64_t now = unix_now_ms();
  json::object member = make_demo_member(rng_, id);
  std::string joined = format_iso8601_ms(now);  // "...000Z" -> Discord's "...000000+00:00"
  joined.pop_back();
  member["joined_at"] = joined + "000+00:00";
  if (sim_.add_member(member, make_demo_presence(rng_, id, now))) {
    members_.push_back(id);
    ++joins_;
  }
}

}  // namespace lantern::sim
