// Every slash command end to end: INTERACTION_CREATE into the Bot, the callback
// body the simulator recorded out, and the storage state behind it.
#include "bot/bot.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>

#include "bot_harness.h"
#include "storage/kv_rules.h"

namespace lantern::bot::testing {
namespace {

constexpr std::string_view kNeedToken = "You need a token first: run /storage create token.";

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// The common shape of every message reply: type 4, no mentions, ephemeral in guilds.
void expect_message(const sim::InteractionCallback& cb, bool ephemeral = true) {
  EXPECT_EQ(type_of(cb), 4);
  EXPECT_EQ(flags_of(cb), ephemeral ? 64 : 0);
  const auto& mentions = data_of(cb).at("allowed_mentions").as_object();
  EXPECT_TRUE(mentions.at("parse").as_array().empty());
}

class BotCommands : public BotTest {
 protected:
  std::string create_token(Snowflake user) {
    auto cb = command(user, "create", "token");
    expect_message(cb);
    return content_of(cb);
  }
  void put(Snowflake user, const std::string& key, const std::string& value) {
    auto cb = command(user, "create", "data", {param("key", key), param("value", value)});
    ASSERT_EQ(content_of(cb), "Saved `" + key + "`.");
  }
};

TEST_F(BotCommands, PingReportsTheGatewayLatency) {
  auto cb = run(interaction(2, kAlice, json::object{{"name", "ping"}, {"type", 1}}));
  expect_message(cb);
  EXPECT_TRUE(contains(content_of(cb), "not measured yet")) << content_of(cb);

  latency_ms_ = 42;
  cb = run(interaction(2, kBob, json::object{{"name", "ping"}, {"type", 1}}, false));
  expect_message(cb, false);  // a DM: not ephemeral
  EXPECT_EQ(content_of(cb), "Pong! Gateway latency: 42 ms.");
}

TEST_F(BotCommands, CreateTokenOnlyForMonitoredUsers) {
  const std::string refused = create_token(kBob);
  EXPECT_TRUE(contains(refused, "Only members")) << refused;
  EXPECT_EQ(stored_pairs(kBob), std::nullopt);

  const std::string shown = create_token(kAlice);
  const std::string token = token_of(kAlice);
  ASSERT_FALSE(token.empty());
  EXPECT_TRUE(contains(shown, token)) << shown;
  EXPECT_EQ(stored_pairs(kAlice), presence::StoragePairs{});
}

TEST_F(BotCommands, BypassUsersMayCreateATokenWithoutBeingMonitored) {
  const std::string shown = create_token(kCarol);
  const std::string token = token_of(kCarol);
  ASSERT_FALSE(token.empty());
  EXPECT_TRUE(contains(shown, token)) << shown;
}

TEST_F(BotCommands, CreateTokenReplacesTheOldOneAndGetTokenShowsIt) {
  create_token(kAlice);
  const std::string first = token_of(kAlice);
  put(kAlice, "kept", "yes");
  create_token(kAlice);
  const std::string second = token_of(kAlice);
  EXPECT_NE(first, second);
  EXPECT_EQ(stored_pairs(kAlice)->at("kept"), "yes");  // pairs survive a new token

  auto cb = command(kAlice, "get", "token", {}, false);  // in a DM
  expect_message(cb, false);
  EXPECT_TRUE(contains(content_of(cb), second)) << content_of(cb);
  EXPECT_FALSE(contains(content_of(cb), first));
}

TEST_F(BotCommands, EveryOtherStorageCommandNeedsATokenFirst) {
  const std::vector<sim::InteractionCallback> answers = {
      command(kAlice, "get", "token"),
      command(kAlice, "create", "data", {param("key", "a"), param("value", "b")}),
      command(kAlice, "get", "data", {param("key", "a")}),
      command(kAlice, "update", "data", {param("key", "a"), param("value", "b")}),
      command(kAlice, "delete", "data", {param("key", "a")}),
      command(kAlice, "", "list"),
      command(kAlice, "", "reset"),
  };
  for (const auto& cb : answers) {
    expect_message(cb);
    EXPECT_EQ(content_of(cb), kNeedToken);
    EXPECT_FALSE(data_of(cb).contains("components"));
  }
  EXPECT_EQ(stored_pairs(kAlice), std::nullopt);
}

TEST_F(BotCommands, CreateGetUpdateDeleteData) {
  create_token(kAlice);
  put(kAlice, "location", "Berlin <@123456789012345678>");
  EXPECT_EQ(stored_pairs(kAlice)->at("location"), "Berlin <@123456789012345678>");
  // The change reached the presence store (which emits STORAGE_UPDATE).
  ASSERT_TRUE(store_.find(kAlice));
  EXPECT_EQ(store_.find(kAlice)->storage().at("location"), "Berlin <@123456789012345678>");

  auto cb = command(kAlice, "get", "data", {param("key", "location")});
  expect_message(cb);
  EXPECT_EQ(content_of(cb), "`location`:\n```\nBerlin <@123456789012345678>\n```");

  cb = command(kAlice, "update", "data", {param("key", "location"), param("value", "Paris")});
  EXPECT_EQ(content_of(cb), "Updated `location`.");
  EXPECT_EQ(stored_pairs(kAlice)->at("location"), "Paris");

  cb = command(kAlice, "update", "data", {param("key", "missing"), param("value", "x")});
  EXPECT_EQ(content_of(cb), "Key missing does not exist in the storage.");
  EXPECT_FALSE(stored_pairs(kAlice)->contains("missing"));

  cb = command(kAlice, "get", "data", {param("key", "missing")});
  EXPECT_EQ(content_of(cb), "Key missing does not exist in the storage.");

  cb = command(kAlice, "delete", "data", {param("key", "location")});
  EXPECT_EQ(content_of(cb), "Deleted `location`.");
  EXPECT_TRUE(stored_pairs(kAlice)->empty());
  EXPECT_TRUE(store_.find(kAlice)->storage().empty());

  cb = command(kAlice, "delete", "data", {param("key", "location")});
  EXPECT_EQ(content_of(cb), "Key location does not exist in the storage.");
}

TEST_F(BotCommands, ValidationUsesTheRestSentences) {
  create_token(kAlice);
  auto cb = command(kAlice, "create", "data", {param("key", "bad key"), param("value", "v")});
  expect_message(cb);
  EXPECT_EQ(content_of(cb), storage::kErrorBadKey);
  cb = command(kAlice, "get", "data", {param("key", "b-a-d")});
  EXPECT_EQ(content_of(cb), storage::kErrorBadKey);
  cb = command(kAlice, "delete", "data", {param("key", std::string(256, 'a'))});
  EXPECT_EQ(content_of(cb), storage::kErrorBadKey);
  cb = command(kAlice, "update", "data", {param("key", "ok")});  // no value
  EXPECT_EQ(content_of(cb), storage::kErrorValueRequired);
  cb = command(kAlice, "create", "data",
               {param("key", "ok"), param("value", std::string(30001, 'x'))});
  EXPECT_EQ(content_of(cb), storage::kErrorValueTooLong);
  EXPECT_TRUE(stored_pairs(kAlice)->empty());

  // An empty value is a value.
  put(kAlice, "empty", "");
  cb = command(kAlice, "get", "data", {param("key", "empty")});
  EXPECT_EQ(content_of(cb), "`empty` holds an empty string.");
}

TEST_F(BotCommands, TheFiveHundredThirteenthKeyIsRefused) {
  create_token(kAlice);
  for (int i = 0; i < 512; ++i) {
    ASSERT_TRUE(storage_->put(kAlice, "k" + std::to_string(i), "v", [](storage::WriteResult) {}));
  }
  storage_->flush();
  auto cb = command(kAlice, "create", "data", {param("key", "one"), param("value", "more")});
  EXPECT_EQ(content_of(cb), storage::kErrorStorageFull);
  EXPECT_EQ(stored_pairs(kAlice)->size(), 512u);
}

TEST_F(BotCommands, ListShortIsACodeBlock) {
  create_token(kAlice);
  auto cb = command(kAlice, "", "list");
  EXPECT_TRUE(contains(content_of(cb), "empty")) << content_of(cb);

  put(kAlice, "b", "two \"quoted\"");
  put(kAlice, "a", "one");
  cb = command(kAlice, "", "list");
  expect_message(cb);
  EXPECT_TRUE(cb.files.empty());
  const std::string content = content_of(cb);
  const auto open = content.find("```json\n");
  ASSERT_NE(open, std::string::npos) << content;
  ASSERT_TRUE(content.ends_with("\n```")) << content;
  const std::string block = content.substr(open + 8, content.size() - open - 8 - 4);
  EXPECT_EQ(json::parse(block), (json::object{{"a", "one"}, {"b", "two \"quoted\""}}));
}

TEST_F(BotCommands, ListLongIsAnAttachment) {
  create_token(kAlice);
  put(kAlice, "big", std::string(1900, 'x'));
  put(kAlice, "small", "s");
  auto cb = command(kAlice, "", "list");
  expect_message(cb);
  EXPECT_FALSE(contains(content_of(cb), "```"));
  ASSERT_EQ(cb.files.size(), 1u);
  EXPECT_EQ(cb.files[0].field, "files[0]");
  EXPECT_EQ(cb.files[0].filename, "kv-storage.json");
  EXPECT_EQ(json::parse(cb.files[0].data),
            (json::object{{"big", std::string(1900, 'x')}, {"small", "s"}}));
  const auto& attachments = data_of(cb).at("attachments").as_array();
  ASSERT_EQ(attachments.size(), 1u);
  EXPECT_EQ(attachments[0].as_object().at("id").as_int64(), 0);
  EXPECT_EQ(attachments[0].as_object().at("filename").as_string(), "kv-storage.json");
  // The simulator stored the message with its attachment.
  const auto original = sim_->original_message(cb.token);
  ASSERT_TRUE(original);
  EXPECT_EQ(original->at("attachments").as_array().size(), 1u);
}

TEST_F(BotCommands, ListWithBackticksIsAnAttachmentSoTheBlockCannotBreak) {
  create_token(kAlice);
  put(kAlice, "code", "```");
  auto cb = command(kAlice, "", "list");
  ASSERT_EQ(cb.files.size(), 1u);
  EXPECT_EQ(cb.files[0].filename, "kv-storage.json");
}

TEST_F(BotCommands, LongValueIsAttached) {
  create_token(kAlice);
  put(kAlice, "essay", std::string(2500, 'e'));
  auto cb = command(kAlice, "get", "data", {param("key", "essay")});
  expect_message(cb);
  ASSERT_EQ(cb.files.size(), 1u);
  EXPECT_EQ(cb.files[0].filename, "essay.txt");
  EXPECT_EQ(cb.files[0].data, std::string(2500, 'e'));
}

// ---- reset --------------------------------------------------------------------

std::string button_id(const sim::InteractionCallback& prompt, std::size_t index) {
  const auto& row = data_of(prompt).at("components").as_array().at(0).as_object();
  return std::string(
      row.at("components").as_array().at(index).as_object().at("custom_id").as_string());
}

json::object click(Snowflake user, const std::string& custom_id) {
  auto d = interaction(3, user, json::object{{"custom_id", custom_id}, {"component_type", 2}});
  d["message"] = json::object{{"id", "888888888888888888"}, {"content", "prompt"}};
  return d;
}

TEST_F(BotCommands, ResetConfirm) {
  create_token(kAlice);
  put(kAlice, "a", "1");
  auto prompt = command(kAlice, "", "reset");
  expect_message(prompt);
  EXPECT_EQ(button_id(prompt, 0), reset_button_id(true, kAlice));
  EXPECT_EQ(button_id(prompt, 1), reset_button_id(false, kAlice));
  EXPECT_TRUE(stored_pairs(kAlice).has_value());  // nothing happens before the click

  auto cb = run(click(kAlice, button_id(prompt, 0)));
  EXPECT_EQ(type_of(cb), 7);
  EXPECT_TRUE(contains(content_of(cb), "reset")) << content_of(cb);
  EXPECT_TRUE(data_of(cb).at("components").as_array().empty());
  EXPECT_EQ(stored_pairs(kAlice), std::nullopt);  // token and pairs gone
  EXPECT_TRUE(store_.find(kAlice)->storage().empty());
}

TEST_F(BotCommands, ResetCancel) {
  create_token(kAlice);
  put(kAlice, "a", "1");
  auto prompt = command(kAlice, "", "reset");
  auto cb = run(click(kAlice, button_id(prompt, 1)));
  EXPECT_EQ(type_of(cb), 7);
  EXPECT_TRUE(contains(content_of(cb), "cancelled")) << content_of(cb);
  EXPECT_EQ(stored_pairs(kAlice)->at("a"), "1");
}

TEST_F(BotCommands, ResetButtonsRefuseOtherUsers) {
  create_token(kAlice);
  put(kAlice, "a", "1");
  auto prompt = command(kAlice, "", "reset");
  auto cb = run(click(kBob, button_id(prompt, 0)));
  expect_message(cb);
  EXPECT_TRUE(contains(content_of(cb), "Only the user")) << content_of(cb);
  EXPECT_EQ(stored_pairs(kAlice)->at("a"), "1");
}

// ---- autocomplete ---------------------------------------------------------------

std::vector<std::string> choice_values(const sim::InteractionCallback& cb) {
  std::vector<std::string> out;
  for (const auto& c : data_of(cb).at("choices").as_array()) {
    EXPECT_EQ(c.as_object().at("name"), c.as_object().at("value"));
    out.emplace_back(c.as_object().at("value").as_string());
  }
  return out;
}

TEST_F(BotCommands, AutocompleteFiltersByPrefixIgnoringCase) {
  create_token(kAlice);
  for (const char* key : {"Alpha", "alps", "beta", "ALPINE"}) put(kAlice, key, "v");
  auto cb = run(interaction(4, kAlice, storage_data("get", "data", {param("key", "al", true)})));
  EXPECT_EQ(type_of(cb), 8);
  EXPECT_EQ(choice_values(cb), (std::vector<std::string>{"ALPINE", "Alpha", "alps"}));

  // The focused option may be another than the first; value options are ignored.
  cb = run(interaction(
      4, kAlice,
      storage_data("update", "data", {param("key", "B", true), param("value", "partial")})));
  EXPECT_EQ(choice_values(cb), (std::vector<std::string>{"beta"}));
}

TEST_F(BotCommands, AutocompleteOffersAtMostTwentyFive) {
  create_token(kAlice);
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(storage_->put(kAlice, "key" + std::to_string(i), "v", [](storage::WriteResult) {}));
  }
  storage_->flush();
  auto cb = run(interaction(4, kAlice, storage_data("delete", "data", {param("key", "", true)})));
  EXPECT_EQ(choice_values(cb).size(), 25u);
}

TEST_F(BotCommands, AutocompleteWithoutATokenOffersNothing) {
  auto cb = run(interaction(4, kBob, storage_data("get", "data", {param("key", "a", true)})));
  EXPECT_EQ(type_of(cb), 8);
  EXPECT_TRUE(choice_values(cb).empty());
}

TEST_F(BotCommands, AFullStorageQueueGetsAPoliteAnswer) {
  // A service that refuses every submission (queue capacity 0).
  storage::Service::Options refusing;
  refusing.queue_capacity = 0;
  auto opened = storage::open_service({(dir_ / "busy.db").string(), kSecret, 5000, refusing});
  ASSERT_TRUE(opened.service) << opened.error;
  Bot busy_bot(*rest_, *opened.service, store_, [] { return std::nullopt; }, {});
  bot_ = nullptr;  // the harness's bot is not used below
  auto through = [&](json::object d) {
    const json::object delivered = sim_->deliver_interaction(std::move(d));
    const std::string token(delivered.at("token").as_string());
    busy_bot.handle_interaction(delivered);
    std::optional<sim::InteractionCallback> found;
    EXPECT_TRUE(sim_->wait_for([&] {
      for (auto& cb : sim_->interaction_callbacks()) {
        if (cb.token == token) found = cb;
      }
      return found.has_value();
    }));
    return found.value_or(sim::InteractionCallback{});
  };
  auto cb = through(interaction(2, kAlice, storage_data("create", "token")));
  expect_message(cb);
  EXPECT_TRUE(contains(content_of(cb), "busy")) << content_of(cb);
  cb = through(interaction(2, kAlice, storage_data("", "list")));
  EXPECT_TRUE(contains(content_of(cb), "busy")) << content_of(cb);
  cb = through(interaction(4, kAlice, storage_data("get", "data", {param("key", "a", true)})));
  EXPECT_EQ(type_of(cb), 8);
  EXPECT_TRUE(data_of(cb).at("choices").as_array().empty());
  cb = through(interaction(
      3, kAlice,
      json::object{{"custom_id", reset_button_id(true, kAlice)}, {"component_type", 2}}));
  EXPECT_EQ(type_of(cb), 7);
  EXPECT_TRUE(contains(content_of(cb), "busy")) << content_of(cb);
}

TEST_F(BotCommands, BadInteractionsAreDropped) {
  json::object no_user{{"id", "555555555555555555"}, {"token", "t"}, {"type", 2}};
  bot_->handle_interaction(no_user);  // nothing to answer; must not crash
  auto cb = run(interaction(2, kAlice, json::object{{"name", "nonsense"}, {"type", 1}}));
  expect_message(cb);
  EXPECT_TRUE(contains(content_of(cb), "not known")) << content_of(cb);
}

}  // namespace
}  // namespace lantern::bot::testing
