#include "storage/service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <ostream>
#include <thread>

#include "storage/kv_rules.h"
#include "storage/sqlite_handle.h"
#include "storage_test_support.h"

namespace lantern::storage {

// Readable failure messages for the observer test.
void PrintTo(Operation operation, std::ostream* os) {
  *os << operation_name(operation);
}
void PrintTo(Status status, std::ostream* os) {
  *os << "Status(" << static_cast<int>(status) << ")";
}

namespace {

using testing::kAlice;
using testing::kBob;

class ServiceTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  std::string path_ = dir_.file("lantern.db");
};

TEST_F(ServiceTest, TokenAuthenticatesOnlyItsOwnUser) {
  auto s = testing::open(path_);
  const std::string alice = testing::create_token(*s, kAlice);
  const std::string bob = testing::create_token(*s, kBob);
  EXPECT_EQ(token_user_id(alice), kAlice);
  EXPECT_EQ(testing::authenticate(*s, kAlice, alice), Status::kOk);
  EXPECT_EQ(testing::authenticate(*s, kBob, bob), Status::kOk);
  EXPECT_EQ(testing::authenticate(*s, kAlice, bob), Status::kUnauthorized);  // wrong user
  EXPECT_EQ(testing::authenticate(*s, kBob, alice), Status::kUnauthorized);
  EXPECT_EQ(testing::authenticate(*s, kAlice, alice + "x"), Status::kUnauthorized);
  std::string flipped = alice;
  flipped[flipped.size() / 2] ^= 1;
  EXPECT_EQ(testing::authenticate(*s, kAlice, flipped), Status::kUnauthorized);
  EXPECT_EQ(testing::authenticate(*s, kAlice, ""), Status::kUnauthorized);
  // A user who never created a token never authenticates, not even with "".
  EXPECT_EQ(testing::authenticate(*s, 42, ""), Status::kNoStorage);
  EXPECT_EQ(testing::authenticate(*s, 42, alice), Status::kNoStorage);
}

TEST_F(ServiceTest, TokenIsStoredEncryptedAndReplaceable) {
  auto s = testing::open(path_);
  const std::string first = testing::create_token(*s, kAlice);
  std::promise<std::pair<Status, std::string>> p;
  auto f = p.get_future();
  ASSERT_TRUE(s->get_token(kAlice, [&p](Status st, std::string t) { p.set_value({st, t}); }));
  EXPECT_EQ(testing::get(f), std::pair(Status::kOk, first));
  ASSERT_EQ(testing::put(*s, kAlice, "k", "v").status, Status::kOk);

  const std::string second = testing::create_token(*s, kAlice);
  EXPECT_NE(first, second);
  EXPECT_EQ(testing::authenticate(*s, kAlice, first), Status::kUnauthorized);
  EXPECT_EQ(testing::authenticate(*s, kAlice, second), Status::kOk);
  EXPECT_EQ(testing::value(*s, kAlice, "k"), std::pair(Status::kOk, std::string("v")));
  s.reset();

  // The file holds no clear token.
  sqlite::Connection connection(path_);
  sqlite::Statement q(connection, "SELECT token_iv, token_ciphertext, token_tag FROM users");
  ASSERT_TRUE(q.step());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(q.column_text(i).find(second), std::string::npos);
  EXPECT_EQ(*from_hex(q.column_text(1)) == second, false);
}

TEST_F(ServiceTest, WrongSecretAtStartFailsClearly) {
  { testing::create_token(*testing::open(path_), kAlice); }
  auto opened = open_service({path_, testing::kOtherSecret, 5000, {}});
  EXPECT_FALSE(opened.service);
  EXPECT_NE(opened.error.find("KV_TOKEN_ENCRYPTION_SECRET does not decrypt"), std::string::npos)
      << opened.error;
  EXPECT_EQ(opened.error.find(testing::kOtherSecret), std::string::npos);
  EXPECT_EQ(opened.error.find(testing::kSecret), std::string::npos);
  // The right secret still opens it.
  EXPECT_TRUE(testing::open(path_));
}

TEST_F(ServiceTest, MalformedSecretFailsClearly) {
  auto opened = open_service({path_, "not-a-secret", 5000, {}});
  EXPECT_FALSE(opened.service);
  EXPECT_NE(opened.error.find("64 hexadecimal"), std::string::npos);
  EXPECT_EQ(opened.error.find("not-a-secret"), std::string::npos);
}

TEST_F(ServiceTest, AnyValidSecretOpensAnEmptyDatabase) {
  EXPECT_TRUE(testing::open(path_, testing::kOtherSecret));
}

TEST_F(ServiceTest, RulesAndOutcomes) {
  auto s = testing::open(path_);
  EXPECT_EQ(testing::put(*s, kAlice, "k", "v").status, Status::kNoStorage);
  EXPECT_EQ(testing::pairs(*s, kAlice).first, Status::kNoStorage);
  testing::create_token(*s, kAlice);

  auto r = testing::put(*s, kAlice, "bad-key", "v");
  EXPECT_EQ(r.status, Status::kInvalid);
  EXPECT_EQ(r.error, kErrorBadKey);
  r = testing::put(*s, kAlice, std::string(256, 'k'), "v");
  EXPECT_EQ(r.error, kErrorBadKey);
  r = testing::put(*s, kAlice, "k", std::string(30001, 'v'));
  EXPECT_EQ(r.status, Status::kInvalid);
  EXPECT_EQ(r.error, kErrorValueTooLong);
  r = testing::put(*s, kAlice, "k", "\xFF");
  EXPECT_EQ(r.error, kErrorValueRequired);

  std::string emoji;
  for (int i = 0; i < 30000; ++i) emoji += "😀";
  EXPECT_EQ(testing::put(*s, kAlice, "emoji", emoji).status, Status::kOk);
  EXPECT_EQ(testing::value(*s, kAlice, "emoji").second, emoji);
  EXPECT_EQ(testing::put(*s, kAlice, "emoji", emoji + "😀").error, kErrorValueTooLong);
  EXPECT_EQ(testing::put(*s, kAlice, "long", std::string(30000, 'v')).status, Status::kOk);
  EXPECT_EQ(testing::put(*s, kAlice, "empty", "").status, Status::kOk);
  EXPECT_EQ(testing::value(*s, kAlice, "empty"), std::pair(Status::kOk, std::string()));

  EXPECT_EQ(testing::patch(*s, kAlice, "missing", "v").status, Status::kNotFound);
  EXPECT_EQ(testing::value(*s, kAlice, "missing").first, Status::kNotFound);
  EXPECT_EQ(testing::value(*s, kAlice, "bad-key").first, Status::kInvalid);
  EXPECT_EQ(testing::patch(*s, kAlice, "empty", "now").status, Status::kOk);
  EXPECT_EQ(testing::value(*s, kAlice, "empty").second, "now");
  EXPECT_EQ(testing::erase(*s, kAlice, "missing").status, Status::kNotFound);
  EXPECT_EQ(testing::erase(*s, kAlice, "empty").status, Status::kOk);
  EXPECT_EQ(testing::pairs(*s, kAlice).second->size(), 2u);
}

TEST_F(ServiceTest, The513thPairIsRefusedAndChangesNothing) {
  auto s = testing::open(path_);
  testing::create_token(*s, kAlice);
  for (std::size_t i = 0; i < kMaxPairsPerUser; ++i) {
    ASSERT_EQ(testing::put(*s, kAlice, "k" + std::to_string(i), "v").status, Status::kOk);
  }
  const auto before = *testing::pairs(*s, kAlice).second;
  const auto r = testing::put(*s, kAlice, "one", "more");
  EXPECT_EQ(r.status, Status::kFull);
  EXPECT_EQ(r.error, kErrorStorageFull);
  EXPECT_EQ(*testing::pairs(*s, kAlice).second, before);
  s.reset();
  auto reopened = testing::open(path_);
  EXPECT_EQ(*testing::pairs(*reopened, kAlice).second, before);
}

TEST_F(ServiceTest, ListenerGetsTheFullPairsBeforeTheCallback) {
  auto s = testing::open(path_);
  testing::create_token(*s, kAlice);
  std::mutex mutex;
  std::vector<std::pair<Snowflake, presence::StoragePairs>> seen;
  s->set_change_listener([&](Snowflake id, StoragePairsPtr pairs) {
    std::lock_guard lock(mutex);
    seen.emplace_back(id, *pairs);
  });
  std::promise<std::size_t> p;
  auto f = p.get_future();
  ASSERT_TRUE(s->put(kAlice, "a", "1", [&](WriteResult r) {
    EXPECT_EQ(r.status, Status::kOk);
    std::lock_guard lock(mutex);
    p.set_value(seen.size());
  }));
  EXPECT_EQ(testing::get(f), 1u);
  testing::put(*s, kAlice, "b", "2");
  testing::patch(*s, kAlice, "nope", "x");  // refused: no notification
  testing::erase(*s, kAlice, "a");
  std::promise<void> cleared;
  ASSERT_TRUE(s->clear_pairs(kAlice, [&](WriteResult) { cleared.set_value(); }));
  cleared.get_future().wait();
  testing::put(*s, kAlice, "c", "3");
  std::promise<void> reset;
  ASSERT_TRUE(s->reset(kAlice, [&](WriteResult r) {
    EXPECT_EQ(r.status, Status::kOk);
    reset.set_value();
  }));
  reset.get_future().wait();
  std::lock_guard lock(mutex);
  using P = presence::StoragePairs;
  const std::vector<std::pair<Snowflake, P>> expected = {
      {kAlice, P{{"a", "1"}}}, {kAlice, P{{"a", "1"}, {"b", "2"}}},
      {kAlice, P{{"b", "2"}}}, {kAlice, P{}},
      {kAlice, P{{"c", "3"}}}, {kAlice, P{}}};
  EXPECT_EQ(seen, expected);
}

TEST_F(ServiceTest, ManyConcurrentWritesAllCommitBeforeTheirCallbacks) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  auto s = testing::open(path_);
  for (int t = 0; t < kThreads; ++t) testing::create_token(*s, kAlice + t);
  std::atomic<int> acknowledged{0};
  std::atomic<int> not_durable{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = "k" + std::to_string(i);
        ASSERT_TRUE(s->put(kAlice + t, key, std::to_string(i), [&, t, key](WriteResult r) {
          EXPECT_EQ(r.status, Status::kOk);
          // Committed means another connection sees it now.
          sqlite::Connection reader(path_);
          sqlite::Statement q(reader, "SELECT value FROM pairs WHERE user_id = ? AND key = ?");
          q.bind(1, static_cast<std::int64_t>(kAlice + t)).bind(2, key);
          if (!q.step()) ++not_durable;
          ++acknowledged;
        }));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  s->flush();
  EXPECT_EQ(acknowledged.load(), kThreads * kPerThread);
  EXPECT_EQ(not_durable.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(testing::pairs(*s, kAlice + t).second->size(), std::size_t{kPerThread});
  }
}

// Parks the storage worker inside a read of `user`'s pairs until release() (or
// destruction), so that what is submitted meanwhile queues up behind it.
class HeldWorker {
 public:
  HeldWorker(Service& service, Snowflake user) {
    auto released = release_.get_future().share();
    holding_ = service.get_pairs(user, [this, released](Status, StoragePairsPtr) {
      entered_.set_value();
      released.wait();
    });
    if (holding_) entered_.get_future().wait();
  }
  ~HeldWorker() { release(); }
  HeldWorker(const HeldWorker&) = delete;
  HeldWorker& operator=(const HeldWorker&) = delete;

  bool holding() const { return holding_; }
  void release() {
    if (released_) return;
    released_ = true;
    release_.set_value();
  }

 private:
  std::promise<void> entered_;
  std::promise<void> release_;
  bool holding_ = false;
  bool released_ = false;
};

TEST_F(ServiceTest, FullQueueRefusesInsteadOfBlocking) {
  Service::Options options;
  options.queue_capacity = 2;
  auto s = testing::open(path_, testing::kSecret, options);
  testing::create_token(*s, kAlice);
  HeldWorker worker(*s, kAlice);  // the queue fills up behind it
  ASSERT_TRUE(worker.holding());
  std::atomic<int> done{0};
  EXPECT_TRUE(s->put(kAlice, "a", "1", [&](WriteResult) { ++done; }));
  EXPECT_TRUE(s->put(kAlice, "b", "2", [&](WriteResult) { ++done; }));
  EXPECT_FALSE(s->put(kAlice, "c", "3", [&](WriteResult) { ++done; }));
  worker.release();
  s->flush();
  EXPECT_EQ(done.load(), 2);
  EXPECT_EQ(testing::value(*s, kAlice, "c").first, Status::kNotFound);
}

// Writes queued together are committed as one group; the limit still holds write by
// write inside it.
TEST_F(ServiceTest, BurstAcrossTheLimitInOneGroupCommit) {
  auto s = testing::open(path_);
  testing::create_token(*s, kAlice);
  HeldWorker worker(*s, kAlice);
  ASSERT_TRUE(worker.holding());
  std::atomic<int> ok{0};
  std::atomic<int> full{0};
  for (int i = 0; i < 600; ++i) {
    ASSERT_TRUE(s->put(kAlice, "k" + std::to_string(i), "v", [&](WriteResult r) {
      if (r.status == Status::kOk) ++ok;
      if (r.status == Status::kFull) ++full;
    }));
  }
  worker.release();
  s->flush();
  EXPECT_EQ(ok.load(), 512);
  EXPECT_EQ(full.load(), 88);
  s.reset();
  auto reopened = testing::open(path_);
  const auto pairs = testing::pairs(*reopened, kAlice).second;
  EXPECT_EQ(pairs->size(), kMaxPairsPerUser);
  EXPECT_TRUE(pairs->contains("k511"));
  EXPECT_FALSE(pairs->contains("k512"));
}

// The observer hears every operation once, with its outcome, also when several
// were committed in one group; a refusal (full queue) is reported as nullopt, and
// report() reaches the same observer.
TEST_F(ServiceTest, ObserverHearsEveryOperationOnceWithItsOutcome) {
  using Outcome = std::pair<Operation, std::optional<Status>>;
  std::mutex mutex;
  std::map<Outcome, int> seen;
  Service::Options options;
  options.queue_capacity = 7;
  options.on_operation = [&](Operation operation, std::optional<Status> status) {
    std::lock_guard lock(mutex);
    ++seen[{operation, status}];
  };
  auto s = testing::open(path_, testing::kSecret, options);
  testing::create_token(*s, kAlice);
  HeldWorker worker(*s, kAlice);
  ASSERT_TRUE(worker.holding());
  // Seven operations queue up behind the held worker and run as one group.
  auto ignore = [](WriteResult) {};
  EXPECT_TRUE(s->put(kAlice, "a", "1", ignore));
  EXPECT_TRUE(s->put(kAlice, "bad key!", "1", ignore));
  EXPECT_TRUE(s->patch(kAlice, "missing", "1", ignore));
  EXPECT_TRUE(s->delete_key(kAlice, "a", ignore));
  EXPECT_TRUE(s->get_value(kAlice, "zzz", [](Status, std::string) {}));
  EXPECT_TRUE(s->authenticate(kAlice, "not the token", nullptr));
  EXPECT_TRUE(s->put(kAlice, "c", "3", nullptr));
  EXPECT_FALSE(s->put(kAlice, "d", "4", ignore));  // the queue is full
  worker.release();
  s->flush();
  s->report(Operation::kGetValue, Status::kOk);

  const std::map<Outcome, int> expected = {
      {{Operation::kCreateOrReplaceToken, Status::kOk}, 1},
      {{Operation::kGetPairs, Status::kOk}, 1},
      {{Operation::kPut, Status::kOk}, 2},
      {{Operation::kPut, Status::kInvalid}, 1},
      {{Operation::kPut, std::nullopt}, 1},
      {{Operation::kPatch, Status::kNotFound}, 1},
      {{Operation::kDeleteKey, Status::kOk}, 1},
      {{Operation::kGetValue, Status::kNotFound}, 1},
      {{Operation::kGetValue, Status::kOk}, 1},
      {{Operation::kAuthenticate, Status::kUnauthorized}, 1},
  };
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen, expected);
}

TEST(OperationNames, AreTheMethodNames) {
  EXPECT_EQ(operation_name(Operation::kCreateOrReplaceToken), "create_or_replace_token");
  EXPECT_EQ(operation_name(Operation::kDeleteKey), "delete_key");
  EXPECT_EQ(operation_name(Operation::kPurgeExpired), "purge_expired");
}

TEST_F(ServiceTest, LastSeenIsCoalescedAndSurvivesARestart) {
  {
    auto s = testing::open(path_);
    presence::LastSeenSink& sink = *s;
    sink.last_seen_changed(kAlice, 1000);
    sink.last_seen_changed(kAlice, 2000);
    sink.last_seen_changed(kBob, 3000);
    sink.last_seen_changed(kBob, std::nullopt);
  }  // the destructor flushes pending changes
  auto s = testing::open(path_);
  std::promise<std::pair<Status, Service::LastSeenList>> p;
  auto f = p.get_future();
  ASSERT_TRUE(s->load_all_last_seen([&](Status st, Service::LastSeenList list) {
    p.set_value({st, std::move(list)});
  }));
  const auto [status, list] = testing::get(f);
  EXPECT_EQ(status, Status::kOk);
  EXPECT_EQ(list, (Service::LastSeenList{{kAlice, 2000}}));
}

TEST_F(ServiceTest, LoadAllPairsSeedsThePresenceStore) {
  {
    auto s = testing::open(path_);
    testing::create_token(*s, kAlice);
    testing::create_token(*s, kBob);
    testing::put(*s, kBob, "k", "v");
  }
  auto s = testing::open(path_);
  std::promise<Service::PairsList> p;
  auto f = p.get_future();
  ASSERT_TRUE(s->load_all_pairs([&](Status st, Service::PairsList list) {
    EXPECT_EQ(st, Status::kOk);
    p.set_value(std::move(list));
  }));
  const auto list = testing::get(f);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].first, kAlice);
  EXPECT_TRUE(list[0].second->empty());
  EXPECT_EQ(*list[1].second, (presence::StoragePairs{{"k", "v"}}));
}

TEST_F(ServiceTest, RetentionPurgeDeletesOnlyExpiredLeavers) {
  Service::Options options;
  options.retention_ms = 1000;
  auto s = testing::open(path_, testing::kSecret, options);
  const std::string alice_token = testing::create_token(*s, kAlice);
  testing::create_token(*s, kBob);
  testing::put(*s, kAlice, "k", "v");
  testing::put(*s, kBob, "k", "v");
  std::vector<Snowflake> notified;
  s->set_change_listener([&](Snowflake id, StoragePairsPtr pairs) {
    EXPECT_TRUE(pairs->empty());
    notified.push_back(id);
  });
  auto done = [](Status st) { EXPECT_EQ(st, Status::kOk); };
  ASSERT_TRUE(s->mark_left(kAlice, 10'000, done));
  ASSERT_TRUE(s->mark_left(kBob, 10'000, done));
  ASSERT_TRUE(s->mark_joined(kBob, done));

  auto purge = [&](std::int64_t now) {
    std::promise<std::size_t> p;
    auto f = p.get_future();
    EXPECT_TRUE(s->purge_expired(now, [&](Status st, std::size_t n) {
      EXPECT_EQ(st, Status::kOk);
      p.set_value(n);
    }));
    return testing::get(f);
  };
  EXPECT_EQ(purge(11'000), 0u);  // exactly the retention: kept
  EXPECT_EQ(testing::value(*s, kAlice, "k").second, "v");
  EXPECT_EQ(purge(11'001), 1u);
  EXPECT_EQ(notified, std::vector<Snowflake>{kAlice});
  EXPECT_EQ(testing::value(*s, kAlice, "k").first, Status::kNotFound);
  EXPECT_EQ(testing::authenticate(*s, kAlice, alice_token), Status::kNoStorage);
  EXPECT_EQ(testing::value(*s, kBob, "k").second, "v");
}

TEST_F(ServiceTest, DestructorRunsEverythingAccepted) {
  std::atomic<int> done{0};
  {
    auto s = testing::open(path_);
    testing::create_token(*s, kAlice);
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(s->put(kAlice, "k" + std::to_string(i), "v", [&](WriteResult r) {
        EXPECT_EQ(r.status, Status::kOk);
        ++done;
      }));
    }
  }
  EXPECT_EQ(done.load(), 100);
  auto s = testing::open(path_);
  EXPECT_EQ(testing::pairs(*s, kAlice).second->size(), 100u);
}

}  // namespace
}  // namespace lantern::storage
