// Replays a real startup session (tests/fixtures/discord/sequences/) through the
// decoder into a store, in wire order, as the gateway client would.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "discord/wire_decode.h"
#include "presence/store.h"
#include "testing/fixtures.h"

namespace lantern::discord {
namespace {

namespace fs = std::filesystem;
using presence::Change;

constexpr Snowflake kBaseGuild = 244200618854580224;
constexpr Snowflake kAnders = 228846961774559232;

class Recorder : public presence::ChangeListener {
 public:
  void on_changes(std::span<const Change> changes) override {
    for (const Change& c : changes) seen.emplace_back(c.kind, c.user_id);
  }
  std::vector<std::pair<Change::Kind, Snowflake>> seen;
};

// "<n>_<op>[_<event>].json", ordered by n.
std::vector<fs::path> sequence_files(const std::string& name) {
  std::vector<fs::path> files;
  for (const auto& entry :
       fs::directory_iterator(lantern::testing::fixture_path("discord/sequences/" + name))) {
    files.push_back(entry.path());
  }
  const auto index = [](const fs::path& p) { return std::stoi(p.filename().string()); };
  std::sort(files.begin(), files.end(),
            [&](const fs::path& a, const fs::path& b) { return index(a) < index(b); });
  return files;
}

TEST(SequenceReplayTest, DisgordStartupBuildsTheBaseGuild) {
  Recorder recorder;
  presence::PresenceStore store(kBaseGuild, &recorder, nullptr);
  PayloadParser parser;
  int dispatches = 0;
  for (const fs::path& file : sequence_files("disgord-startup-smooth-1")) {
    SCOPED_TRACE(file.filename().string());
    const std::string text = lantern::testing::read_fixture(
        "discord/sequences/disgord-startup-smooth-1/" + file.filename().string());
    auto envelope = parser.parse(text);
    ASSERT_TRUE(envelope) << envelope.error;
    if (envelope->op != 0) continue;
    ++dispatches;
    if (envelope->type == "READY") {
      ASSERT_TRUE(decode_ready(envelope->data));
      continue;
    }
    if (!is_store_event(envelope->type)) continue;
    auto event = decode_store_event(envelope->type, envelope->data);
    ASSERT_TRUE(event) << event.error;
    const auto* guild = std::get_if<presence::GuildCreate>(&*event.value);
    const bool full_sync = guild && guild->guild_id == kBaseGuild;
    if (full_sync) store.begin_sync();
    std::visit([&](const auto& e) { store.apply(e); }, *event.value);
    if (full_sync) store.end_sync();
  }
  EXPECT_EQ(dispatches, 23);
  EXPECT_TRUE(store.synced());
  EXPECT_EQ(store.size(), 8u);

  // 8 members joined; Anders' three presence changes in the base guild; the
  // member update (a nick) and every event of the two other guilds change nothing.
  using Kind = Change::Kind;
  std::vector<std::pair<Kind, Snowflake>> anders;
  int joined = 0;
  for (const auto& [kind, id] : recorder.seen) {
    if (kind == Kind::kJoined) ++joined;
    if (kind != Kind::kJoined) anders.emplace_back(kind, id);
  }
  EXPECT_EQ(joined, 8);
  EXPECT_EQ(anders, (std::vector<std::pair<Kind, Snowflake>>(3, {Kind::kPresence, kAnders})));

  const auto view = store.find(kAnders);
  ASSERT_NE(view, nullptr);
  EXPECT_EQ(view->presence().status, presence::Status::kOnline);
  EXPECT_TRUE(view->presence().activities.empty());
  EXPECT_EQ(view->user().username, "Anders");
  EXPECT_EQ(view->member().joined_at_ms, 1478292364571);  // base guild's joined_at, not another's
}

}  // namespace
}  // namespace lantern::discord
