// Test harness: a simulator, an io_context on its own thread, the REST and
// gateway clients, and a real PresenceStore fed through a recording sink.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "discord/gateway_client.h"
#include "discord/rest_client.h"
#include "presence/store.h"
#include "sim/simulator.h"

namespace lantern::discord::testing {

// Polls `pred` until it holds or `timeout` passes (no sleeps as synchronisation:
// the deadline is only a failure bound).
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

// Keeps the default logger's lines while it lives. Construct it before the
// threads that log start and destroy it after they stopped (the logger's sink
// list is not synchronised): declare it before the Harness.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(4096)) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = spdlog::default_logger()->sinks();
    std::erase(sinks, std::static_pointer_cast<spdlog::sinks::sink>(sink_));
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  bool contains(std::string_view text) const {
    for (const auto& line : sink_->last_formatted()) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

// Applies events to the store (on the gateway's executor, the store's one
// writer thread) and counts milestones for the test thread.
class StoreSink : public GatewayEventSink {
 public:
  explicit StoreSink(presence::PresenceStore& store) : store_(store) {}

  void on_ready(const ReadyInfo& ready) override {
    std::lock_guard lock(mutex_);
    ++readies_;
    ready_ = ready;
  }
  void on_resumed() override { ++resumed_; }
  void on_sync_begin() override {
    ++sync_begins_;
    store_.begin_sync();
  }
  void on_sync_end() override {
    store_.end_sync();
    ++sync_ends_;
  }
  void on_event(GatewayEvent&& event) override {
    std::visit([this](auto& e) { store_.apply(std::move(e)); }, event);
  }
  void on_interaction(const boost::json::object& interaction) override {
    std::lock_guard lock(mutex_);
    interactions_.push_back(interaction);
  }
  void on_fatal(const std::string& message) override {
    std::lock_guard lock(mutex_);
    fatal_ = message;
  }

  int readies() const {
    std::lock_guard lock(mutex_);
    return readies_;
  }
  ReadyInfo ready() const {
    std::lock_guard lock(mutex_);
    return ready_;
  }
  int resumed() const { return resumed_; }
  int sync_begins() const { return sync_begins_; }
  int sync_ends() const { return sync_ends_; }
  std::optional<std::string> fatal() const {
    std::lock_guard lock(mutex_);
    return fatal_;
  }
  std::size_t interactions() const {
    std::lock_guard lock(mutex_);
    return interactions_.size();
  }

 private:
  presence::PresenceStore& store_;
  mutable std::mutex mutex_;
  int readies_ = 0;
  ReadyInfo ready_;
  std::atomic<int> resumed_{0};
  std::atomic<int> sync_begins_{0};
  std::atomic<int> sync_ends_{0};
  std::optional<std::string> fatal_;
  std::vector<boost::json::object> interactions_;
};

inline boost::json::object member_json(Snowflake id, const std::string& name) {
  return boost::json::parse(R"({"user":{"id":")" + std::to_string(id) + R"(","username":")" + name +
                            R"(","discriminator":"0","avatar":null},"roles":[],)"
                            R"("joined_at":"2021-05-03T00:00:00.000000+00:00","deaf":false,)"
                            R"("mute":false,"flags":0})")
      .as_object();
}

inline boost::json::object presence_json(const std::string& status) {
  return boost::json::parse(R"({"status":")" + status +
                            R"(","activities":[],"client_status":{"desktop":")" + status + R"("}})")
      .as_object();
}

inline sim::Simulator::Options default_sim_options() {
  sim::Simulator::Options options;
  options.heartbeat_interval_ms = 400;
  options.heartbeat_timeout_factor = 3.0;
  return options;
}

// Everything one end-to-end test needs. Members are added before start().
class Harness {
 public:
  static constexpr Snowflake kFirstMember = 400000000000000000ULL;

  explicit Harness(sim::Simulator::Options sim_options = default_sim_options())
      : sim(std::move(sim_options)),
        store(sim.options().guild_id, nullptr, nullptr),
        sink(store),
        work(io.get_executor()) {}

  ~Harness() { shutdown(); }

  void add_members(int count, int online_every = 2) {
    for (int i = 0; i < count; ++i) {
      const Snowflake id = kFirstMember + static_cast<Snowflake>(i);
      std::optional<boost::json::object> presence;
      if (i % online_every == 0) presence = presence_json("online");
      sim.add_member(member_json(id, "member" + std::to_string(i)), presence);
    }
  }

  GatewayOptions gateway_options() const {
    GatewayOptions options;
    options.token = sim.options().token;
    options.base_guild_id = sim.options().guild_id;
    options.identify_interval = std::chrono::milliseconds(0);
    options.invalid_session_min_wait = std::chrono::milliseconds(10);
    options.invalid_session_max_wait = std::chrono::milliseconds(50);
    options.backoff_base = std::chrono::milliseconds(20);
    options.backoff_cap = std::chrono::milliseconds(200);
    options.random_seed = 7;
    return options;
  }

  RestOptions rest_options() const {
    RestOptions options;
    options.api_base = sim.api_base();
    options.token = sim.options().token;
    options.backoff_base = std::chrono::milliseconds(10);
    options.backoff_cap = std::chrono::milliseconds(50);
    options.timeout = std::chrono::seconds(5);
    return options;
  }

  // Starts the simulator, the io thread and (unless told otherwise) the gateway.
  void start(std::optional<GatewayOptions> options = std::nullopt, bool start_gateway = true) {
    sim.start();
    rest.emplace(io.get_executor(), rest_options());
    gateway.emplace(io.get_executor(), options ? *options : gateway_options(), *rest, sink);
    thread = std::thread([this] {
      io.run();
      io_returned = true;
    });
    if (start_gateway) gateway->start();
  }

  void shutdown() {
    if (!thread.joinable()) return;
    if (gateway) gateway->stop(false);
    if (rest) rest->stop();
    work.reset();
    // Give the stop handlers a chance to run, then end the loop.
    eventually([this] { return !gateway || !gateway->status().running; }, std::chrono::seconds(2));
    io.stop();
    thread.join();
    sim.stop();
  }

  // The simulated guild also lists the bot itself as a member.
  static std::size_t with_bot(std::size_t members) { return members + 1; }

  bool synced_with(std::size_t members) {
    return eventually([&] { return sink.sync_ends() > 0 && store.size() == with_bot(members); });
  }

  // REST requests whose path (without /api/v10) is `path`, in arrival order.
  std::vector<sim::RestRecord> rest_calls(std::string_view path) const {
    std::vector<sim::RestRecord> out;
    for (auto& record : sim.rest_records()) {
      if (record.path == path) out.push_back(record);
    }
    return out;
  }

  // Gateway payloads of one opcode, in arrival order.
  std::vector<sim::GatewayRecord> sent(int op) const {
    std::vector<sim::GatewayRecord> out;
    for (auto& record : sim.gateway_records()) {
      if (record.op == op) out.push_back(record);
    }
    return out;
  }

  sim::Simulator sim;
  presence::PresenceStore store;
  StoreSink sink;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
  std::optional<RestClient> rest;
  std::optional<GatewayClient> gateway;
  std::thread thread;
  std::atomic<bool> io_returned{false};  // io.run() returned (ran out of work or stopped)
};

// Runs one REST request to completion (a test failure and an empty result when
// it takes longer than 30 s).
inline RestResult call(RestClient& client, RestRequest request) {
  std::promise<RestResult> promise;
  auto future = promise.get_future();
  client.request(std::move(request), [&promise](RestResult result) { promise.set_value(result); });
  if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    ADD_FAILURE() << "REST request did not complete";
    return {};
  }
  return future.get();
}

inline RestRequest get(std::string path) {
  RestRequest request;
  request.path = std::move(path);
  return request;
}

}  // namespace lantern::discord::testing
