// The pure pieces: interaction parsing (on the captured fixtures), replies,
// key completion, list rendering, and the activity text and timer.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <future>
#include <mutex>
#include <thread>

#include "bot/activity.h"
#include "bot/interaction.h"
#include "bot/reply.h"
#include "testing/fixtures.h"

namespace lantern::bot {
namespace {
namespace json = boost::json;

json::object fixture_d(const std::string& name) {
  return json::parse(lantern::testing::read_fixture("discord/" + name))
      .as_object()
      .at("d")
      .as_object();
}

TEST(ParseInteraction, GuildFixtureWithSubcommandGroup) {
  const auto in =
      parse_interaction(fixture_d("interaction_create.subcommand_group.discord4j.json"));
  ASSERT_TRUE(in);
  EXPECT_EQ(in->id, 817823320820547654ULL);
  EXPECT_EQ(in->token, "hunter2");
  EXPECT_EQ(in->type, InteractionType::kCommand);
  EXPECT_EQ(in->user_id, 275616469906358273ULL);
  EXPECT_TRUE(in->in_guild);
  EXPECT_EQ(in->command, "payload group cmd");
  ASSERT_TRUE(in->option("string"));
  EXPECT_EQ(*in->option("string"), "hello");
}

TEST(ParseInteraction, V10Fixture) {
  const auto in = parse_interaction(fixture_d("interaction_create.v10.1.accordjl.json"));
  ASSERT_TRUE(in);
  EXPECT_EQ(in->user_id, 900000000000000026ULL);
  EXPECT_EQ(in->command, "name_48");
  EXPECT_TRUE(in->options.empty());
}

TEST(ParseInteraction, DmUserFocusedOptionAndComponents) {
  auto d = json::parse(R"({"id":"555555555555555555","token":"t","type":4,"context":1,
      "user":{"id":"333333333333333333"},
      "data":{"name":"storage","type":1,"options":[{"name":"get","type":2,"options":[
        {"name":"data","type":1,"options":[{"name":"key","type":3,"value":"ab","focused":true}]}]}]}})")
               .as_object();
  auto in = parse_interaction(d);
  ASSERT_TRUE(in);
  EXPECT_FALSE(in->in_guild);
  EXPECT_EQ(in->user_id, 333333333333333333ULL);
  EXPECT_EQ(in->command, "storage get data");
  EXPECT_EQ(in->focused, "key");

  d = json::parse(R"({"id":"5","token":"t","type":3,"guild_id":"2",
      "member":{"user":{"id":"3"}},"data":{"custom_id":"x:y","component_type":2}})")
          .as_object();
  in = parse_interaction(d);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->custom_id, "x:y");
}

TEST(ParseInteraction, RejectsWhatCannotBeAnswered) {
  EXPECT_FALSE(
      parse_interaction(json::parse(R"({"id":"5","type":2,"user":{"id":"3"}})").as_object()));
  EXPECT_FALSE(parse_interaction(json::parse(R"({"id":"5","token":"t","type":2})").as_object()));
  EXPECT_FALSE(parse_interaction(
      json::parse(R"({"id":"x","token":"t","type":2,"user":{"id":"3"}})").as_object()));
  EXPECT_FALSE(parse_interaction(
      json::parse(R"({"id":"5","token":"t","type":9,"user":{"id":"3"}})").as_object()));
}

TEST(CompleteKeys, SkipsKeysDiscordCannotOffer) {
  presence::StoragePairs pairs{
      {"a" + std::string(100, 'x'), "fits"}, {"a" + std::string(99, 'x'), "fits"}, {"b", "other"}};
  const auto keys = complete_keys(pairs, "A");
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].size(), 100u);
}

TEST(RenderPairs, IsIndentedJson) {
  presence::StoragePairs pairs{{"b", "line\nbreak"}, {"a", "\xC3\xA9"}};
  const std::string text = render_pairs(pairs);
  EXPECT_EQ(text, "{\n  \"a\": \"\xC3\xA9\",\n  \"b\": \"line\\nbreak\"\n}");
  EXPECT_EQ(json::parse(text), (json::object{{"a", "\xC3\xA9"}, {"b", "line\nbreak"}}));
  EXPECT_EQ(render_pairs({}), "{}");
}

TEST(TextOrFile, CountsCharactersNotBytes) {
  const std::string accents(1800, 'a');
  std::string wide;
  for (int i = 0; i < 1800; ++i) wide += "\xC3\xA9";  // 1800 characters, 3600 bytes
  EXPECT_TRUE(text_or_file("x", wide, "", "att", "f.txt", true, 1800).files.empty());
  EXPECT_EQ(text_or_file("x", wide + "a", "", "att", "f.txt", true, 1800).files.size(), 1u);
}

TEST(CallbackRequest, IsAPostToTheCallbackRoute) {
  const auto request = callback_request(5, "tok", message("hi", false));
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/interactions/5/tok/callback");
  const auto body = json::parse(request.json_body).as_object();
  EXPECT_EQ(body.at("type"), 4);
  EXPECT_FALSE(body.at("data").as_object().contains("flags"));
}

TEST(Activity, MonitoringText) {
  EXPECT_EQ(monitoring_text(0), "Monitoring 0 users");
  EXPECT_EQ(monitoring_text(1), "Monitoring 1 user");
  EXPECT_EQ(monitoring_text(250), "Monitoring 250 users");
}

class Published {
 public:
  void add(std::string text) {
    std::lock_guard lock(mutex_);
    texts_.push_back(std::move(text));
  }
  std::vector<std::string> texts() const {
    std::lock_guard lock(mutex_);
    return texts_;
  }
  bool wait_for_count(std::size_t n) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (texts().size() >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> texts_;
};

TEST(Activity, TimerPublishesAtStartThenEveryInterval) {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread thread([&] { io.run(); });
  Published published;
  std::atomic<std::size_t> users{3};
  {
    ActivityTimer timer(
        io.get_executor(), [&] { return users.load(); },
        [&](std::string text) { published.add(std::move(text)); }, std::chrono::milliseconds(20));
    timer.start();
    ASSERT_TRUE(published.wait_for_count(1));
    EXPECT_EQ(published.texts()[0], "Monitoring 3 users");
    users = 4;
    ASSERT_TRUE(published.wait_for_count(3));
    EXPECT_EQ(published.texts().back(), "Monitoring 4 users");
  }
  // Destroyed: nothing more is published.
  const auto count = published.texts().size();
  std::promise<void> drained;
  boost::asio::post(io, [&] { drained.set_value(); });
  drained.get_future().wait();
  work.reset();
  thread.join();
  EXPECT_LE(published.texts().size(), count + 1);  // at most a publish already running
}

TEST(Activity, RefreshPublishesWithoutStarting) {
  boost::asio::io_context io;
  Published published;
  ActivityTimer timer(
      io.get_executor(), [] { return std::size_t{7}; },
      [&](std::string text) { published.add(std::move(text)); }, std::chrono::hours(3));
  timer.refresh();
  io.run_for(std::chrono::milliseconds(50));  // runs the posted refresh; no timer armed
  EXPECT_EQ(published.texts(), (std::vector<std::string>{"Monitoring 7 users"}));
}

}  // namespace
}  // namespace lantern::bot
