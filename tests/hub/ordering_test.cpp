// The ordering guarantee of API.md section 3 under a burst: a session sees one
// user's updates in order, without gaps, and nothing older than its INIT_ACK
// after the ACK, however INIT races with the writer.
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <thread>

#include "hub/hub.h"
#include "hub_fakes.h"

namespace lantern::hub {
namespace {

using testing::FakeDirectory;
using testing::FakeSink;
using testing::kAlice;
using testing::make_view;
namespace json = boost::json;

// The presence writer: one thread running posted work in order.
class SerialExecutor {
 public:
  SerialExecutor() : thread_([this] { run(); }) {}
  ~SerialExecutor() {
    post({});
    thread_.join();
  }
  void post(std::function<void()> work) {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(work));
    ready_.notify_one();
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> work;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return !queue_.empty(); });
        work = std::move(queue_.front());
        queue_.pop_front();
      }
      if (!work) return;
      work();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  std::thread thread_;
};

int version_of(const json::value& user) {
  return std::stoi(std::string(user.at("metadata").at("username").as_string()).substr(1));
}

TEST(HubOrderingTest, BurstOfUpdatesArrivesInOrderAfterTheAck) {
  constexpr int kUpdates = 3000;
  constexpr int kClients = 8;
  FakeDirectory directory;
  directory.set(make_view(kAlice, "v0"));
  SerialExecutor writer;
  Hub hub(
      directory, Options{}, [&](std::function<void()> work) { writer.post(std::move(work)); },
      [] { return std::int64_t{0}; });

  std::thread producer([&] {
    for (int i = 1; i <= kUpdates; ++i) {
      writer.post([&, i] {
        auto view = make_view(kAlice, "v" + std::to_string(i));
        directory.set(view);
        presence::Change change{presence::Change::Kind::kPresence, kAlice, view};
        hub.on_changes({&change, 1});
      });
    }
  });
  std::vector<std::shared_ptr<FakeSink>> sinks;
  for (int c = 0; c < kClients; ++c) {
    auto sink = std::make_shared<FakeSink>();
    sinks.push_back(sink);
    const char* init = c % 2 ? R"({"op":2,"d":{"user_id":"all"}})"
                             : R"({"op":2,"d":{"user_ids":["100000000000000001"]}})";
    hub.on_text(hub.open(sink), init);
  }
  producer.join();
  std::promise<void> drained;
  writer.post([&] { drained.set_value(); });
  drained.get_future().wait();

  for (const auto& sink : sinks) {
    std::vector<json::value> frames = sink->json();
    ASSERT_GE(frames.size(), 2u);
    EXPECT_EQ(frames[0].at("op"), 1);
    ASSERT_EQ(frames[1].at("op"), 3);
    int expected = version_of(frames[1].at("d").as_array().at(0)) + 1;
    for (std::size_t i = 2; i < frames.size(); ++i, ++expected) {
      ASSERT_EQ(frames[i].at("op"), 6);
      ASSERT_EQ(version_of(frames[i].at("d")), expected);
    }
    EXPECT_EQ(expected, kUpdates + 1) << "every update after the ACK arrived";
  }
}

}  // namespace
}  // namespace lantern::hub
