// The storage service wired to a real presence::PresenceStore the way app/ does it:
// the change listener feeds set_storage (which must emit kStorage with the new
// pairs), and the service is the store's LastSeenSink (a member going offline is
// persisted and comes back after a restart).
#include <gtest/gtest.h>

#include <mutex>

#include "presence/store.h"
#include "storage_test_support.h"

namespace lantern::storage {
namespace {

using presence::Change;

constexpr Snowflake kGuild = 81384788765712384;

class Recorder : public presence::ChangeListener {
 public:
  void on_changes(std::span<const Change> changes) override {
    for (const auto& change : changes) seen.push_back(change);
  }
  std::vector<Change> seen;
};

presence::MemberEvent member(Snowflake id) {
  presence::UserPatch user;
  user.id = id;
  user.username = "alice";
  user.discriminator = "0";
  return presence::MemberEvent{user, 1478292364571};
}

presence::PresenceUpdate update(Snowflake id, presence::Status status) {
  presence::UserPatch user;
  user.id = id;
  presence::Presence p;
  p.status = status;
  p.client_status.desktop = status;
  return presence::PresenceUpdate{kGuild, presence::PresenceEvent{user, p}};
}

TEST(PresenceWiring, StorageChangesReachTheStoreAndLastSeenIsPersisted) {
  testing::TempDir dir;
  const auto path = dir.file("lantern.db");
  {
    auto service = testing::open(path);
    Recorder recorder;
    presence::PresenceStore store(kGuild, &recorder, service.get());
    // Stands in for the presence writer strand: one caller at a time.
    std::mutex writer;
    service->set_change_listener([&](Snowflake id, presence::StoragePairsPtr pairs) {
      std::lock_guard lock(writer);
      store.set_storage(id, std::move(pairs));
    });
    {
      std::lock_guard lock(writer);
      store.begin_sync();
      presence::GuildCreate gc;
      gc.guild_id = kGuild;
      gc.member_count = 1;
      gc.members = {member(testing::kAlice)};
      store.apply(gc);
      store.end_sync();
      store.apply(update(testing::kAlice, presence::Status::kOnline));
      recorder.seen.clear();
    }

    testing::create_token(*service, testing::kAlice);
    ASSERT_EQ(testing::put(*service, testing::kAlice, "theme", "dark").status, Status::kOk);
    {
      // The listener ran before the put's callback: the store already shows it.
      std::lock_guard lock(writer);
      const auto view = store.find(testing::kAlice);
      ASSERT_TRUE(view);
      EXPECT_EQ(view->storage(), (presence::StoragePairs{{"theme", "dark"}}));
      EXPECT_NE(view->json(0).find(R"("storage":{"theme":"dark"})"), std::string::npos);
      ASSERT_EQ(recorder.seen.size(), 1u);
      EXPECT_EQ(recorder.seen[0].kind, Change::Kind::kStorage);
      EXPECT_EQ(recorder.seen[0].user_id, testing::kAlice);
      store.apply(update(testing::kAlice, presence::Status::kOffline));
    }
  }  // service destroyed: pending last-seen changes are written

  auto service = testing::open(path);
  std::promise<Service::LastSeenList> p;
  auto f = p.get_future();
  ASSERT_TRUE(service->load_all_last_seen(
      [&](Status, Service::LastSeenList list) { p.set_value(std::move(list)); }));
  const auto list = testing::get(f);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].first, testing::kAlice);
  EXPECT_GT(list[0].second, 1600000000000);
}

}  // namespace
}  // namespace lantern::storage
