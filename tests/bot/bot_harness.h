// Test harness for the bot: a running Discord simulator, a RestClient pointed at
// it (on its own io thread), a real storage::Service on a temporary SQLite file,
// a PresenceStore with one monitored member, and the Bot under test. Interactions
// go through Simulator::deliver_interaction (which makes their token answerable)
// and straight into Bot::handle_interaction; the answer is the callback the
// simulator recorded.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bot/bot.h"
#include "discord/rest_client.h"
#include "presence/store.h"
#include "sim/simulator.h"
#include "storage/service.h"

namespace lantern::bot::testing {

namespace json = boost::json;

inline constexpr Snowflake kGuild = 222222222222222222ULL;
inline constexpr Snowflake kAlice = 300000000000000001ULL;  // monitored member
inline constexpr Snowflake kBob = 300000000000000002ULL;    // not a member
inline constexpr Snowflake kCarol = 300000000000000003ULL;  // not a member, bypass list
inline constexpr const char* kSecret =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

// One option node: a parameter {name, type 3, value}.
inline json::object param(std::string name, std::string value, bool focused = false) {
  json::object o{{"name", name}, {"type", 3}, {"value", value}};
  if (focused) o["focused"] = true;
  return o;
}

// data for /storage <group> <sub> params... (group empty: /storage <sub>).
inline json::object storage_data(const std::string& group, const std::string& sub,
                                 json::array params = {}) {
  json::object leaf{{"name", sub}, {"type", 1}};
  if (!params.empty()) leaf["options"] = std::move(params);
  json::object top = leaf;
  if (!group.empty())
    top = json::object{{"name", group}, {"type", 2}, {"options", json::array{leaf}}};
  return {{"id", "777777777777777777"},
          {"name", "storage"},
          {"type", 1},
          {"options", json::array{top}}};
}

// An interaction of `type` by `user`, in the guild (member.user) or in a DM (user),
// shaped like tests/fixtures/discord/interaction_create.*.json.
inline json::object interaction(int type, Snowflake user, json::object data, bool in_guild = true) {
  json::object u{{"id", to_string(user)}, {"username", "user"}, {"discriminator", "0"}};
  json::object d{{"type", type},
                 {"data", std::move(data)},
                 {"version", 1},
                 {"channel_id", "666666666666666666"},
                 {"app_permissions", "2248473465835073"},
                 {"locale", "en-GB"}};
  if (in_guild) {
    d["guild_id"] = to_string(kGuild);
    d["context"] = 0;
    d["member"] = json::object{{"user", u},
                               {"roles", json::array{}},
                               {"permissions", "2147483647"},
                               {"joined_at", "2021-05-03T00:00:00.000000+00:00"}};
  } else {
    d["context"] = 1;
    d["user"] = u;
  }
  return d;
}

class BotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_ = std::make_unique<sim::Simulator>(sim::Simulator::Options{});
    sim_->start();
    io_thread_ = std::thread([this] { io_.run(); });
    discord::RestOptions rest_options;
    rest_options.api_base = sim_->api_base();
    rest_options.token = sim_->options().token;
    rest_ = std::make_unique<discord::RestClient>(io_.get_executor(), rest_options);

    std::string pattern = (std::filesystem::temp_directory_path() / "lantern-bot-XXXXXX");
    ASSERT_TRUE(mkdtemp(pattern.data()));
    dir_ = pattern;
    auto opened = storage::open_service({(dir_ / "lantern.db").string(), kSecret, 5000, {}});
    ASSERT_TRUE(opened.service) << opened.error;
    storage_ = std::move(opened.service);
    // As the app wires it: every change reaches the store (which emits
    // STORAGE_UPDATE); here the storage worker is the store's writer.
    storage_->set_change_listener(
        [this](Snowflake id, storage::StoragePairsPtr pairs) { store_.set_storage(id, pairs); });

    presence::MemberAdd add;
    add.guild_id = kGuild;
    add.member.user.id = kAlice;
    add.member.user.username = "alice";
    store_.apply(add);

    BotOptions options;
    options.bypass_user_ids = {kCarol};
    bot_ = std::make_unique<Bot>(
        *rest_, *storage_, store_, [this] { return latency(); }, options);
  }

  void TearDown() override {
    if (storage_) storage_->flush();
    storage_.reset();
    bot_.reset();
    if (rest_) rest_->stop();
    rest_.reset();
    work_.reset();
    io_.stop();
    if (io_thread_.joinable()) io_thread_.join();
    if (sim_) sim_->stop();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  std::optional<std::chrono::milliseconds> latency() const {
    const auto ms = latency_ms_.load();
    if (ms < 0) return std::nullopt;
    return std::chrono::milliseconds(ms);
  }

  // Delivers the interaction, lets the bot handle it and returns the callback the
  // simulator recorded for it (fails the test when none arrives).
  sim::InteractionCallback run(json::object d) {
    const json::object delivered = sim_->deliver_interaction(std::move(d));
    const std::string token(delivered.at("token").as_string());
    bot_->handle_interaction(delivered);
    std::optional<sim::InteractionCallback> found;
    const bool arrived = sim_->wait_for([&] {
      for (auto& cb : sim_->interaction_callbacks()) {
        if (cb.token == token) found = cb;
      }
      return found.has_value();
    });
    EXPECT_TRUE(arrived) << "no callback for the interaction";
    if (!found) return {};
    // The simulator accepted it: the REST answer was 204, not an error.
    return *found;
  }

  sim::InteractionCallback command(Snowflake user, const std::string& group, const std::string& sub,
                                   json::array params = {}, bool in_guild = true) {
    return run(interaction(2, user, storage_data(group, sub, std::move(params)), in_guild));
  }

  // The user's pairs as storage holds them; nullopt when the user has no token.
  std::optional<presence::StoragePairs> stored_pairs(Snowflake user) {
    std::promise<std::optional<presence::StoragePairs>> p;
    auto f = p.get_future();
    EXPECT_TRUE(storage_->get_pairs(user, [&p](storage::Status s, storage::StoragePairsPtr pairs) {
      if (s == storage::Status::kOk && pairs) return p.set_value(*pairs);
      p.set_value(std::nullopt);
    }));
    return f.get();
  }

  std::string token_of(Snowflake user) {
    std::promise<std::string> p;
    auto f = p.get_future();
    EXPECT_TRUE(
        storage_->get_token(user, [&p](storage::Status, std::string t) { p.set_value(t); }));
    return f.get();
  }

  std::filesystem::path dir_;
  std::unique_ptr<sim::Simulator> sim_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  std::thread io_thread_;
  std::unique_ptr<discord::RestClient> rest_;
  std::unique_ptr<storage::Service> storage_;
  presence::PresenceStore store_{kGuild, nullptr, nullptr};
  std::unique_ptr<Bot> bot_;
  std::atomic<long long> latency_ms_{-1};
};

// Accessors of a recorded callback body.
inline std::int64_t type_of(const sim::InteractionCallback& cb) {
  return cb.body.as_object().at("type").as_int64();
}
inline const json::object& data_of(const sim::InteractionCallback& cb) {
  return cb.body.as_object().at("data").as_object();
}
inline std::string content_of(const sim::InteractionCallback& cb) {
  const auto* c = data_of(cb).if_contains("content");
  return c && c->is_string() ? std::string(c->as_string()) : std::string();
}
inline std::int64_t flags_of(const sim::InteractionCallback& cb) {
  const auto* f = data_of(cb).if_contains("flags");
  return f && f->is_int64() ? f->as_int64() : 0;
}

}  // namespace lantern::bot::testing
