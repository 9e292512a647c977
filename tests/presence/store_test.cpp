#include "presence/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <thread>

#include "util/time.h"

namespace lantern::presence {
namespace {

constexpr Snowflake kGuild = 244200618854580224;
constexpr Snowflake kAnders = 228846961774559232;
constexpr Snowflake kBot = 486832262592069632;
constexpr Snowflake kSuuup = 132668102922993664;
constexpr Snowflake kNewcomer = 900000000000000065;

class Recorder : public ChangeListener {
 public:
  explicit Recorder(const PresenceStore* store = nullptr) : store_(store) {}
  void on_changes(std::span<const Change> changes) override {
    ++batches;
    for (const Change& change : changes) {
      // What a listener is told is already visible to readers.
      if (store_) {
        EXPECT_EQ(store_->find(change.user_id), change.view);
      }
      this->changes.push_back(change);
    }
  }
  std::vector<std::pair<Change::Kind, Snowflake>> kinds() const {
    std::vector<std::pair<Change::Kind, Snowflake>> out;
    for (const Change& c : changes) out.emplace_back(c.kind, c.user_id);
    return out;
  }
  void clear() {
    changes.clear();
    batches = 0;
  }
  const PresenceStore* store_;
  std::vector<Change> changes;
  int batches = 0;
};

class SinkRecorder : public LastSeenSink {
 public:
  void last_seen_changed(Snowflake id, std::optional<std::int64_t> ms) override {
    calls.emplace_back(id, ms);
  }
  std::vector<std::pair<Snowflake, std::optional<std::int64_t>>> calls;
};

MemberEvent member(Snowflake id, std::string username, std::string avatar = "e3b02f485e42") {
  UserPatch user;
  user.id = id;
  user.username = std::move(username);
  user.discriminator = "0";
  user.global_name = std::optional<std::string>();
  user.avatar = std::optional<std::string>(std::move(avatar));
  return MemberEvent{user, 1478292364571};
}

Presence presence_of(Status status, std::string game = {}) {
  Presence p;
  p.status = status;
  p.client_status.desktop = status;
  if (!game.empty()) {
    Activity a;
    a.id = "72b9e063155d727a";
    a.name = std::move(game);
    a.created_at_ms = 1546467291699;
    a.start_ms = 1546467291580;
    p.activities.push_back(a);
  }
  return p;
}

PresenceEvent presence_event(Snowflake id, Status status, std::string game = {}) {
  UserPatch user;
  user.id = id;
  return PresenceEvent{user, presence_of(status, std::move(game))};
}

PresenceUpdate update(Snowflake id, Status status, std::string game = {},
                      Snowflake guild = kGuild) {
  return PresenceUpdate{guild, presence_event(id, status, std::move(game))};
}

GuildCreate guild_create(std::vector<MemberEvent> members, std::vector<PresenceEvent> presences) {
  GuildCreate gc;
  gc.guild_id = kGuild;
  gc.member_count = static_cast<std::int64_t>(members.size());
  gc.members = std::move(members);
  gc.presences = std::move(presences);
  return gc;
}

// A store synced with Anders (online, playing) and the bot (offline).
struct StoreTest : ::testing::Test {
  Recorder recorder{&store};
  SinkRecorder sink;
  PresenceStore store{kGuild, &recorder, &sink};

  void SetUp() override {
    store.begin_sync();
    store.apply(guild_create({member(kAnders, "Anders"), member(kBot, "Disgord tester")},
                             {presence_event(kAnders, Status::kOnline, "bwrap")}));
    store.end_sync();
    recorder.clear();
  }

  Status status_of(Snowflake id) const { return store.find(id)->presence().status; }
};

using Kind = Change::Kind;
using Kinds = std::vector<std::pair<Kind, Snowflake>>;

TEST_F(StoreTest, GuildCreateMembersWithoutPresenceAreOffline) {
  EXPECT_TRUE(store.synced());
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(status_of(kAnders), Status::kOnline);
  EXPECT_EQ(store.find(kAnders)->presence().activities.at(0).name, "bwrap");
  EXPECT_EQ(status_of(kBot), Status::kOffline);
  EXPECT_EQ(store.find(kNewcomer), nullptr);
}

TEST_F(StoreTest, FirstSyncReportsEveryMemberAsJoined) {
  Recorder fresh;
  PresenceStore other(kGuild, &fresh, nullptr);
  EXPECT_FALSE(other.synced());
  other.begin_sync();
  other.apply(guild_create({member(kAnders, "Anders"), member(kBot, "bot")},
                           {presence_event(kNewcomer, Status::kOnline)}));
  other.end_sync();
  EXPECT_EQ(fresh.kinds(), (Kinds{{Kind::kJoined, kAnders}, {Kind::kJoined, kBot}}));
  EXPECT_EQ(other.find(kNewcomer), nullptr);  // a presence without a member is ignored
}

TEST_F(StoreTest, DuplicateEventsProduceNoChange) {
  store.apply(update(kAnders, Status::kIdle, "bwrap"));
  EXPECT_EQ(recorder.kinds(), (Kinds{{Kind::kPresence, kAnders}}));
  recorder.clear();
  store.apply(update(kAnders, Status::kIdle, "bwrap"));
  store.apply(MemberAdd{kGuild, member(kAnders, "Anders")});
  store.apply(MemberUpdate{kGuild, member(kBot, "Disgord tester")});
  store.apply(
      guild_create({member(kAnders, "Anders")}, {presence_event(kAnders, Status::kIdle, "bwrap")}));
  EXPECT_EQ(recorder.batches, 0);
}

TEST_F(StoreTest, OfflineUpdatesThatOnlyDifferInDroppedDataAreDuplicates) {
  PresenceUpdate noisy = update(kBot, Status::kOffline, "ghost");  // offline renders no activity
  noisy.presence.presence.client_status.web = Status::kOnline;
  store.apply(noisy);
  EXPECT_EQ(recorder.batches, 0);
}

TEST_F(StoreTest, EventsOfOtherGuildsAreIgnoredAndAbsentGuildIsAccepted) {
  store.apply(update(kAnders, Status::kDnd, "", 486833041486905345));
  store.apply(MemberRemove{486833041486905345, kAnders});
  EXPECT_EQ(recorder.batches, 0);
  EXPECT_EQ(status_of(kAnders), Status::kOnline);
  store.apply(update(kAnders, Status::kDnd, "", 0));
  EXPECT_EQ(status_of(kAnders), Status::kDnd);
}

TEST_F(StoreTest, PartialUserMergesWithoutBlankingProfile) {
  PresenceUpdate event = update(kAnders, Status::kOnline, "bwrap");
  event.presence.user.global_name = std::optional<std::string>("Anders G");
  store.apply(event);
  const auto view = store.find(kAnders);
  EXPECT_EQ(view->user().username, "Anders");
  EXPECT_EQ(view->user().avatar, "e3b02f485e42");
  EXPECT_EQ(view->user().global_name, "Anders G");
  EXPECT_EQ(recorder.kinds(), (Kinds{{Kind::kPresence, kAnders}}));
}

TEST_F(StoreTest, PresenceOfUnknownUserIsIgnored) {
  store.apply(update(kNewcomer, Status::kOnline));
  EXPECT_EQ(store.find(kNewcomer), nullptr);
  EXPECT_EQ(recorder.batches, 0);
}

TEST_F(StoreTest, ResyncReportsOnlyJoinedLeftAndChanged) {
  store.apply(MemberAdd{kGuild, member(kSuuup, "Suuup")});
  recorder.clear();
  store.begin_sync();
  MembersChunk chunk;
  chunk.guild_id = kGuild;
  chunk.members = {member(kAnders, "Anders"), member(kBot, "renamed bot"),
                   member(kNewcomer, "koi")};
  chunk.presences = {presence_event(kAnders, Status::kOnline, "bwrap")};
  store.apply(chunk);
  store.end_sync();
  EXPECT_EQ(recorder.kinds(),
            (Kinds{{Kind::kPresence, kBot}, {Kind::kJoined, kNewcomer}, {Kind::kLeft, kSuuup}}));
  EXPECT_EQ(store.find(kSuuup), nullptr);
  EXPECT_EQ(store.find(kBot)->user().username, "renamed bot");
  EXPECT_EQ(store.size(), 3u);
  EXPECT_TRUE(store.synced());
}

TEST_F(StoreTest, ResyncTurnsMembersMissingFromPresencesOffline) {
  store.begin_sync();
  MembersChunk chunk;
  chunk.guild_id = kGuild;
  chunk.members = {member(kAnders, "Anders"), member(kBot, "Disgord tester")};
  store.apply(chunk);
  store.end_sync();
  EXPECT_EQ(recorder.kinds(), (Kinds{{Kind::kPresence, kAnders}}));
  EXPECT_EQ(status_of(kAnders), Status::kOffline);
}

TEST_F(StoreTest, MemberWhoLeftLosesPresenceAndRejoinsOffline) {
  store.apply(MemberRemove{kGuild, kAnders});
  EXPECT_EQ(recorder.kinds(), (Kinds{{Kind::kLeft, kAnders}}));
  EXPECT_EQ(recorder.changes.at(0).view, nullptr);
  EXPECT_EQ(store.find(kAnders), nullptr);
  EXPECT_EQ(store.size(), 1u);
  store.apply(update(kAnders, Status::kOnline, "bwrap"));  // no longer monitored
  store.apply(MemberAdd{kGuild, member(kAnders, "Anders")});
  EXPECT_EQ(status_of(kAnders), Status::kOffline);
  EXPECT_TRUE(store.find(kAnders)->presence().activities.empty());
}

TEST_F(StoreTest, LastSeenIsSetWhenGoingOfflineAndClearedOnReturn) {
  EXPECT_TRUE(sink.calls.empty());  // online at first sight, offline at first sight: nothing
  EXPECT_EQ(store.find(kBot)->last_seen_ms(), std::nullopt);
  const std::int64_t before = unix_now_ms();
  store.apply(update(kAnders, Status::kOffline));
  const std::int64_t after = unix_now_ms();
  ASSERT_EQ(sink.calls.size(), 1u);
  EXPECT_EQ(sink.calls[0].first, kAnders);
  ASSERT_TRUE(sink.calls[0].second.has_value());
  EXPECT_GE(*sink.calls[0].second, before);
  EXPECT_LE(*sink.calls[0].second, after);
  EXPECT_EQ(store.find(kAnders)->last_seen_ms(), sink.calls[0].second);

  store.apply(update(kAnders, Status::kIdle));
  ASSERT_EQ(sink.calls.size(), 2u);
  EXPECT_EQ(sink.calls[1], std::make_pair(kAnders, std::optional<std::int64_t>()));
  EXPECT_EQ(store.find(kAnders)->last_seen_ms(), std::nullopt);
  const auto json = boost::json::parse(store.find(kAnders)->json(0));
  EXPECT_EQ(json.at("last_seen_at").at("unix"), nullptr);
}

TEST_F(StoreTest, SeededLastSeenShowsWhileOfflineAndClearsWhenOnline) {
  store.seed_last_seen(kBot, 1700000000000);
  store.seed_last_seen(kNewcomer, 1600000000000);
  EXPECT_EQ(recorder.batches, 0);
  EXPECT_TRUE(sink.calls.empty());
  EXPECT_EQ(store.find(kBot)->last_seen_ms(), 1700000000000);
  store.apply(MemberAdd{kGuild, member(kNewcomer, "koi")});
  EXPECT_EQ(store.find(kNewcomer)->last_seen_ms(), 1600000000000);
  store.apply(update(kNewcomer, Status::kOnline));
  EXPECT_EQ(sink.calls, (decltype(sink.calls){{kNewcomer, std::nullopt}}));
  store.seed_last_seen(kNewcomer, 1);  // stale: they are online now
  EXPECT_EQ(store.find(kNewcomer)->last_seen_ms(), std::nullopt);
}

TEST_F(StoreTest, SnapshotsNeverChangeUnderTheReader) {
  const UserViewPtr old = store.find(kAnders);
  const std::string old_json = old->json(0);
  store.apply(update(kAnders, Status::kDnd, "Visual Studio Code"));
  EXPECT_EQ(old->json(0), old_json);
  EXPECT_EQ(old->presence().status, Status::kOnline);
  EXPECT_EQ(old->presence().activities.at(0).name, "bwrap");
  EXPECT_NE(store.find(kAnders), old);
  EXPECT_EQ(status_of(kAnders), Status::kDnd);
}

TEST_F(StoreTest, SnapshotsAreRenderedOnFirstReadAndKept) {
  store.apply(update(kAnders, Status::kIdle, "Visual Studio Code"));
  const UserViewPtr view = store.find(kAnders);
  EXPECT_FALSE(view->rendered());  // applying an event renders nothing

  std::string transient;
  view->append_json_transient(transient, 0);
  EXPECT_FALSE(view->rendered());  // an event frame does not keep its rendering

  const std::string first = view->json(0);
  EXPECT_TRUE(view->rendered());
  EXPECT_EQ(first, transient);
  EXPECT_EQ(
      first,
      render_user(view->member(), view->presence(), view->last_seen_ms(), &view->storage()).text);
  EXPECT_EQ(boost::json::parse(first).at("activities").at(0).at("name"), "Visual Studio Code");

  std::string kept;
  view->append_json_transient(kept, 0);  // once kept, the transient path reuses it
  EXPECT_EQ(kept, first);
}

// Many threads asking for the first rendering of the same snapshot at once all
// get the same complete JSON (one rendering is published; meant for ASan/TSan).
TEST_F(StoreTest, ConcurrentFirstReadsAgree) {
  store.apply(update(kAnders, Status::kDnd, "bwrap"));
  const UserViewPtr view = store.find(kAnders);
  const std::string expected =
      render_user(view->member(), view->presence(), view->last_seen_ms(), &view->storage()).text;
  std::vector<std::string> seen(4);
  std::vector<std::thread> readers;
  for (std::string& out : seen) {
    readers.emplace_back([&view, &out] { view->append_json(out, 0); });
  }
  for (std::thread& reader : readers) reader.join();
  for (const std::string& out : seen) EXPECT_EQ(out, expected);
  EXPECT_TRUE(view->rendered());
}

TEST_F(StoreTest, StorageOfNonMembersShowsWhenTheyJoin) {
  auto pairs = std::make_shared<const StoragePairs>(StoragePairs{{"location", "Berlin"}});
  store.set_storage(kNewcomer, pairs);
  EXPECT_EQ(recorder.batches, 0);
  store.apply(MemberAdd{kGuild, member(kNewcomer, "koi")});
  EXPECT_EQ(store.find(kNewcomer)->storage().at("location"), "Berlin");
  recorder.clear();
  store.set_storage(kNewcomer, nullptr);
  EXPECT_EQ(recorder.kinds(), (Kinds{{Kind::kStorage, kNewcomer}}));
  EXPECT_TRUE(store.find(kNewcomer)->storage().empty());
  EXPECT_EQ(boost::json::parse(store.find(kNewcomer)->json(0)).at("storage"),
            boost::json::object());
}

TEST_F(StoreTest, UserUpdateMergesIntoTheBotsMember) {
  UserPatch patch;
  patch.id = kBot;
  patch.avatar = std::optional<std::string>("a_new");
  store.apply(UserUpdate{patch});
  EXPECT_EQ(store.find(kBot)->user().avatar, "a_new");
  EXPECT_EQ(store.find(kBot)->user().username, "Disgord tester");
}

TEST_F(StoreTest, UnavailableGuildCreateChangesNothing) {
  GuildCreate outage;
  outage.guild_id = kGuild;
  outage.unavailable = true;
  store.begin_sync();
  store.apply(outage);
  store.apply(guild_create({member(kAnders, "Anders"), member(kBot, "Disgord tester")},
                           {presence_event(kAnders, Status::kOnline, "bwrap")}));
  store.end_sync();
  EXPECT_EQ(recorder.batches, 0);
  EXPECT_EQ(store.size(), 2u);
}

TEST_F(StoreTest, AllIsOrderedById) {
  store.apply(MemberAdd{kGuild, member(kNewcomer, "koi")});
  store.apply(MemberAdd{kGuild, member(kSuuup, "Suuup")});
  std::vector<Snowflake> ids;
  for (const auto& view : store.all()) ids.push_back(view->id());
  EXPECT_EQ(ids, (std::vector<Snowflake>{kSuuup, kAnders, kBot, kNewcomer}));
}

// Readers on several threads while the writer churns: every snapshot a reader
// gets is complete, valid JSON for the id it asked for. Meant for ASan/TSan runs.
TEST(StoreConcurrencyTest, ReadersSeeCompleteSnapshotsWhileTheWriterApplies) {
  PresenceStore store(kGuild, nullptr, nullptr);
  constexpr Snowflake kFirst = 900000000000000000;
  constexpr int kMembers = 200;
  std::vector<MemberEvent> members;
  for (int i = 0; i < kMembers; ++i) members.push_back(member(kFirst + i, "user"));
  store.begin_sync();
  store.apply(guild_create(members, {}));
  store.end_sync();

  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      int i = r;
      while (!done.load(std::memory_order_relaxed)) {
        const Snowflake id = kFirst + (i++ % kMembers);
        const UserViewPtr view = store.find(id);
        if (!view) continue;
        const auto json = boost::json::parse(view->json(unix_now_ms()));
        EXPECT_EQ(json.at("metadata").at("id").as_string(), std::to_string(id));
        if (i % 97 == 0) {
          EXPECT_EQ(store.all().size(), static_cast<std::size_t>(kMembers));
        }
        reads.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  const Status cycle[] = {Status::kOnline, Status::kIdle, Status::kDnd, Status::kOffline};
  for (int n = 0; n < 20'000; ++n) {
    store.apply(update(kFirst + n % kMembers, cycle[n % 4], n % 3 ? "game" : ""));
  }
  while (reads.load() < 100) std::this_thread::yield();
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(store.size(), static_cast<std::size_t>(kMembers));
}

}  // namespace
}  // namespace lantern::presence
