// discord_cold_start: time from GatewayClient::start() to a complete member sync
// of a simulated guild (GET /gateway/bot, connect, IDENTIFY, READY, GUILD_CREATE,
// op 8 and every GUILD_MEMBERS_CHUNK decoded, inflated and applied to a real
// PresenceStore). Issue 3 aims under 2 s for 100,000 members on this machine.
//
//   build-*/bench/discord_cold_start [members=100000] [online_every=3]
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "discord/gateway_client.h"
#include "discord/rest_client.h"
#include "presence/store.h"
#include "sim/simulator.h"

namespace {

using namespace lantern;

class StoreSink : public discord::GatewayEventSink {
 public:
  explicit StoreSink(presence::PresenceStore& store) : store_(store) {}
  void on_sync_begin() override { store_.begin_sync(); }
  void on_sync_end() override {
    store_.end_sync();
    done_ = true;
  }
  void on_event(discord::GatewayEvent&& event) override {
    std::visit([this](auto& e) { store_.apply(std::move(e)); }, event);
  }
  void on_fatal(const std::string& message) override {
    std::fprintf(stderr, "fatal: %s\n", message.c_str());
    std::exit(1);
  }
  bool done() const { return done_; }

 private:
  presence::PresenceStore& store_;
  std::atomic<bool> done_{false};
};

boost::json::object member(Snowflake id) {
  const std::string text = R"({"user":{"id":")" + std::to_string(id) + R"(","username":"user)" +
                           std::to_string(id % 1000000) +
                           R"(","discriminator":"0","avatar":null,"global_name":"User"},)"
                           R"("roles":[],"joined_at":"2021-05-03T00:00:00.000000+00:00",)"
                           R"("deaf":false,"mute":false,"flags":0})";
  return boost::json::parse(text).as_object();
}

boost::json::object presence_json() {
  return boost::json::
      parse(R"({"status":"online","client_status":{"desktop":"online"},"activities":[)"
            R"({"id":"custom","name":"Custom Status","type":4,"state":"working","created_at":1700000000000},)"
            R"({"id":"spotify:1","name":"Spotify","type":2,"details":"Song","state":"Artist",)"
            R"("sync_id":"abc","timestamps":{"start":1700000000000,"end":1700000200000},"created_at":1700000000000}]})")
          .as_object();
}

}  // namespace

int main(int argc, char** argv) {
  const int members = argc > 1 ? std::atoi(argv[1]) : 100000;
  const int online_every = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;

  sim::Simulator::Options sim_options;
  sim::Simulator sim(sim_options);
  const auto the_presence = presence_json();
  for (int i = 0; i < members; ++i) {
    const Snowflake id = 400000000000000000ULL + static_cast<Snowflake>(i);
    sim.add_member(member(id), i % online_every == 0 ? std::optional(the_presence) : std::nullopt);
  }
  sim.start();

  presence::PresenceStore store(sim_options.guild_id, nullptr, nullptr);
  StoreSink sink(store);
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  discord::RestOptions rest_options;
  rest_options.api_base = sim.api_base();
  rest_options.token = sim_options.token;
  discord::RestClient rest(io.get_executor(), rest_options);
  discord::GatewayOptions options;
  options.token = sim_options.token;
  options.base_guild_id = sim_options.guild_id;
  discord::GatewayClient gateway(io.get_executor(), options, rest, sink);
  std::thread thread([&] { io.run(); });

  const auto start = std::chrono::steady_clock::now();
  gateway.start();
  while (!sink.done()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);

  std::printf("members=%d online_every=%d store_size=%zu cold_start_s=%.3f\n", members,
              online_every, store.size(), elapsed.count());
  gateway.stop(false);
  rest.stop();
  work.reset();
  io.stop();
  thread.join();
  sim.stop();
  return 0;
}
