// The registration JSON against Discord's limits (discord-protocol.md 7.7), and
// publishing through the simulator's command storage.
#include "bot/commands.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <future>
#include <regex>
#include <set>
#include <string>

#include "bot_harness.h"

namespace lantern::bot::testing {
namespace {

// Checks one command or option node, recursively; appends problems to `errors`.
void check_node(const json::object& node, const std::string& where,
                std::vector<std::string>& errors) {
  static const std::regex kName("^[-_a-z0-9]{1,32}$");
  const std::string name(node.at("name").as_string());
  const std::string description(node.at("description").as_string());
  if (!std::regex_match(name, kName)) errors.push_back(where + ": bad name " + name);
  if (description.empty() || description.size() > 100) {
    errors.push_back(where + " " + name + ": description of " + std::to_string(description.size()) +
                     " characters");
  }
  const auto* options = node.if_contains("options");
  if (!options) return;
  const auto& list = options->as_array();
  if (list.size() > 25) errors.push_back(where + " " + name + ": more than 25 options");
  std::set<std::string> names;
  bool optional_seen = false;
  for (const auto& o : list) {
    const auto& option = o.as_object();
    if (!names.insert(std::string(option.at("name").as_string())).second) {
      errors.push_back(where + " " + name + ": duplicate option name");
    }
    const auto* required = option.if_contains("required");
    const bool is_required = required && required->as_bool();
    if (is_required && optional_seen)
      errors.push_back(where + " " + name + ": required after optional");
    if (!is_required && option.at("type").as_int64() > 2) optional_seen = true;
    if (option.contains("autocomplete") && option.contains("choices")) {
      errors.push_back(where + " " + name + ": autocomplete with choices");
    }
    if (const auto* max = option.if_contains("max_length");
        max && max->to_number<std::int64_t>() > 6000) {
      errors.push_back(where + " " + name + ": max_length above 6000");
    }
    check_node(option, where + " " + name, errors);
  }
}

// Nesting: command -> group -> subcommand -> parameters, groups hold only subcommands.
void check_nesting(const json::object& command, std::vector<std::string>& errors) {
  const auto* options = command.if_contains("options");
  if (!options) return;
  for (const auto& o : options->as_array()) {
    const auto& option = o.as_object();
    if (option.at("type").as_int64() != 2) continue;
    for (const auto& s : option.at("options").as_array()) {
      if (s.as_object().at("type").as_int64() != 1)
        errors.push_back("group holds a non-subcommand");
      if (const auto* params = s.as_object().if_contains("options")) {
        for (const auto& p : params->as_array()) {
          if (p.as_object().at("type").as_int64() <= 2) errors.push_back("nesting too deep");
        }
      }
    }
  }
}

TEST(CommandDefinitions, PassDiscordsLimits) {
  const json::array commands = command_definitions();
  ASSERT_EQ(commands.size(), 2u);
  std::vector<std::string> errors;
  for (const auto& c : commands) {
    const auto& command = c.as_object();
    check_node(command, "command", errors);
    check_nesting(command, errors);
    EXPECT_EQ(command.at("type"), 1);
    EXPECT_EQ(command.at("contexts"), (json::array{0, 1}));
    EXPECT_EQ(command.at("integration_types"), (json::array{0}));
    EXPECT_LE(json::serialize(command).size(), 8000u);
  }
  EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
}

// The paths a user can invoke, "storage create token" etc.
std::set<std::string> invocable(const json::array& commands) {
  std::set<std::string> out;
  for (const auto& c : commands) {
    const std::string name(c.as_object().at("name").as_string());
    const auto* options = c.as_object().if_contains("options");
    bool nested = false;
    if (options) {
      for (const auto& o : options->as_array()) {
        const auto& option = o.as_object();
        const std::string sub = name + " " + std::string(option.at("name").as_string());
        if (option.at("type").as_int64() == 1) {
          out.insert(sub);
          nested = true;
        } else if (option.at("type").as_int64() == 2) {
          nested = true;
          for (const auto& s : option.at("options").as_array()) {
            out.insert(sub + " " + std::string(s.as_object().at("name").as_string()));
          }
        }
      }
    }
    if (!nested) out.insert(name);
  }
  return out;
}

TEST(CommandDefinitions, HaveEveryCommandOfApiSection5) {
  EXPECT_EQ(invocable(command_definitions()),
            (std::set<std::string>{"ping", "storage create token", "storage create data",
                                   "storage get token", "storage get data", "storage update data",
                                   "storage delete data", "storage list", "storage reset"}));
}

class CommandsRegistration : public BotTest {
 protected:
  CommandsResult publish(Snowflake application_id, bool remove) {
    std::promise<CommandsResult> p;
    auto f = p.get_future();
    publish_commands(*rest_, application_id, remove, [&p](CommandsResult r) { p.set_value(r); });
    return f.get();
  }
};

TEST_F(CommandsRegistration, RegisterIsABulkOverwriteAndUnregisterEmptiesIt) {
  const Snowflake app = sim_->options().application_id;
  auto result = publish(app, false);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.count, 2u);
  EXPECT_EQ(sim_->commands().size(), 2u);

  // The recorded PUT carried the whole set.
  const auto records = sim_->rest_records();
  const auto put = std::find_if(records.begin(), records.end(), [](const sim::RestRecord& r) {
    return r.method == "PUT" && r.path == "/applications/111111111111111111/commands";
  });
  ASSERT_NE(put, records.end());
  EXPECT_EQ(put->status, 200);
  EXPECT_EQ(put->json, json::value(command_definitions()));

  // Twice is harmless: still two commands.
  ASSERT_TRUE(publish(app, false).ok);
  EXPECT_EQ(sim_->commands().size(), 2u);

  result = publish(app, true);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.count, 0u);
  EXPECT_TRUE(sim_->commands().empty());
}

TEST_F(CommandsRegistration, DiscoversTheApplicationId) {
  std::promise<ApplicationIdResult> p;
  auto f = p.get_future();
  discover_application_id(*rest_, [&p](ApplicationIdResult r) { p.set_value(r); });
  const auto found = f.get();
  EXPECT_EQ(found.application_id, sim_->options().application_id) << found.error;

  ASSERT_TRUE(publish(0, false).ok);  // 0 = discover first
  EXPECT_EQ(sim_->commands().size(), 2u);
}

TEST_F(CommandsRegistration, AWrongApplicationFails) {
  const auto result = publish(999999999999999999ULL, false);
  EXPECT_FALSE(result.ok);
  EXPECT_FALSE(result.error.empty());
  EXPECT_EQ(result.error.find(sim_->options().token), std::string::npos);
}

}  // namespace
}  // namespace lantern::bot::testing
