#include "storage/sqlite_database.h"

#include <gtest/gtest.h>

#include "storage/kv_rules.h"
#include "storage/sqlite_handle.h"
#include "storage_test_support.h"

namespace lantern::storage {
namespace {

using testing::kAlice;
using testing::kBob;

const EncryptedToken kToken{"00112233445566778899aabbccddeeff", "abcd",
                            "ffeeddccbbaa99887766554433221100"};

std::string pragma(const std::string& path, const char* name) {
  sqlite::Connection connection(path);
  sqlite::Statement query(connection, (std::string("PRAGMA ") + name).c_str());
  EXPECT_TRUE(query.step());
  return query.column_text(0);
}

TEST(SqliteDatabase, OpensWithWalAndMigratesOnce) {
  testing::TempDir dir;
  const auto path = dir.file("lantern.db");
  {
    auto db = testing::open_db(path);
    ASSERT_TRUE(db);
    db->set_token(kAlice, kToken);
    ASSERT_EQ(db->put(kAlice, "k", "v", PutMode::kUpsert), WriteOutcome::kOk);
  }
  EXPECT_EQ(pragma(path, "journal_mode"), "wal");
  EXPECT_EQ(pragma(path, "user_version"), std::to_string(sqlite_schema_version()));
  // Opening again runs no migration twice and keeps the data.
  for (int i = 0; i < 2; ++i) {
    auto db = testing::open_db(path);
    ASSERT_TRUE(db);
    EXPECT_EQ(db->value(kAlice, "k"), "v");
  }
  EXPECT_EQ(pragma(path, "user_version"), std::to_string(sqlite_schema_version()));
}

TEST(SqliteDatabase, RefusesANewerSchema) {
  testing::TempDir dir;
  const auto path = dir.file("lantern.db");
  { ASSERT_TRUE(testing::open_db(path)); }
  {
    sqlite::Connection connection(path);
    connection.exec("PRAGMA user_version = 999");
  }
  auto opened = open_sqlite_database({path, 100});
  EXPECT_FALSE(opened.database);
  EXPECT_NE(opened.error.find("version 999"), std::string::npos) << opened.error;
}

TEST(SqliteDatabase, UnopenablePathIsAnError) {
  auto opened = open_sqlite_database({"/nonexistent-dir/x/lantern.db", 100});
  EXPECT_FALSE(opened.database);
  EXPECT_FALSE(opened.error.empty());
}

TEST(SqliteDatabase, PairsNeedAToken) {
  testing::TempDir dir;
  auto db = testing::open_db(dir.file("db"));
  EXPECT_EQ(db->pairs(kAlice), std::nullopt);
  EXPECT_EQ(db->put(kAlice, "k", "v", PutMode::kUpsert), WriteOutcome::kNoStorage);
  EXPECT_EQ(db->erase(kAlice, "k"), WriteOutcome::kNoStorage);
  EXPECT_EQ(db->clear_pairs(kAlice), WriteOutcome::kNoStorage);
  db->set_token(kAlice, kToken);
  EXPECT_EQ(db->pairs(kAlice), presence::StoragePairs{});
  EXPECT_EQ(db->token(kAlice), kToken);
  EXPECT_EQ(db->token(kBob), std::nullopt);
}

TEST(SqliteDatabase, PutPatchEraseClearReset) {
  testing::TempDir dir;
  auto db = testing::open_db(dir.file("db"));
  db->set_token(kAlice, kToken);
  EXPECT_EQ(db->put(kAlice, "a", "1", PutMode::kOnlyExisting), WriteOutcome::kNotFound);
  EXPECT_EQ(db->value(kAlice, "a"), std::nullopt);
  EXPECT_EQ(db->put(kAlice, "a", "1", PutMode::kUpsert), WriteOutcome::kOk);
  EXPECT_EQ(db->put(kAlice, "a", "2", PutMode::kOnlyExisting), WriteOutcome::kOk);
  EXPECT_EQ(db->put(kAlice, "b", "", PutMode::kUpsert), WriteOutcome::kOk);
  EXPECT_EQ(db->pairs(kAlice), (presence::StoragePairs{{"a", "2"}, {"b", ""}}));
  EXPECT_EQ(db->erase(kAlice, "zz"), WriteOutcome::kNotFound);
  EXPECT_EQ(db->erase(kAlice, "a"), WriteOutcome::kOk);
  EXPECT_EQ(db->pairs(kAlice), (presence::StoragePairs{{"b", ""}}));
  EXPECT_EQ(db->clear_pairs(kAlice), WriteOutcome::kOk);
  EXPECT_EQ(db->pairs(kAlice), presence::StoragePairs{});
  EXPECT_EQ(db->token(kAlice), kToken);  // clear keeps the token
  EXPECT_EQ(db->put(kAlice, "c", "3", PutMode::kUpsert), WriteOutcome::kOk);
  EXPECT_EQ(db->reset(kAlice), WriteOutcome::kOk);
  EXPECT_EQ(db->token(kAlice), std::nullopt);
  EXPECT_EQ(db->pairs(kAlice), std::nullopt);
  EXPECT_EQ(db->value(kAlice, "c"), std::nullopt);
  EXPECT_EQ(db->reset(kAlice), WriteOutcome::kNoStorage);
}

TEST(SqliteDatabase, The513thPairIsRefusedAndChangesNothing) {
  testing::TempDir dir;
  auto db = testing::open_db(dir.file("db"));
  db->set_token(kAlice, kToken);
  for (std::size_t i = 0; i < kMaxPairsPerUser; ++i) {
    ASSERT_EQ(db->put(kAlice, "k" + std::to_string(i), "v", PutMode::kUpsert), WriteOutcome::kOk);
  }
  const auto before = db->pairs(kAlice);
  EXPECT_EQ(db->put(kAlice, "extra", "v", PutMode::kUpsert), WriteOutcome::kFull);
  EXPECT_EQ(db->pairs(kAlice), before);
  // Overwriting an existing key at the limit is fine.
  EXPECT_EQ(db->put(kAlice, "k0", "new", PutMode::kUpsert), WriteOutcome::kOk);
  EXPECT_EQ(db->value(kAlice, "k0"), "new");
  EXPECT_EQ(db->pairs(kAlice)->size(), kMaxPairsPerUser);
  // The limit is per user.
  db->set_token(kBob, kToken);
  EXPECT_EQ(db->put(kBob, "extra", "v", PutMode::kUpsert), WriteOutcome::kOk);
}

TEST(SqliteDatabase, LastSeenRoundTrip) {
  testing::TempDir dir;
  const auto path = dir.file("db");
  {
    auto db = testing::open_db(path);
    db->set_last_seen({{kAlice, 1000}, {kBob, 2000}});
    db->set_last_seen({{kBob, std::nullopt}});
  }
  auto db = testing::open_db(path);
  EXPECT_EQ(db->all_last_seen(), (std::vector<std::pair<Snowflake, std::int64_t>>{{kAlice, 1000}}));
}

TEST(SqliteDatabase, AllPairsListsUsersWithStorage) {
  testing::TempDir dir;
  auto db = testing::open_db(dir.file("db"));
  db->set_token(kAlice, kToken);
  db->set_token(kBob, kToken);
  db->set_last_seen({{777, 5}});  // a user without storage
  ASSERT_EQ(db->put(kBob, "x", "1", PutMode::kUpsert), WriteOutcome::kOk);
  ASSERT_EQ(db->put(kBob, "y", "2", PutMode::kUpsert), WriteOutcome::kOk);
  const auto all = db->all_pairs();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].first, kAlice);
  EXPECT_TRUE(all[0].second.empty());
  EXPECT_EQ(all[1].first, kBob);
  EXPECT_EQ(all[1].second, (presence::StoragePairs{{"x", "1"}, {"y", "2"}}));
}

TEST(SqliteDatabase, SnowflakesAbove2To63SurviveTheRoundTrip) {
  testing::TempDir dir;
  auto db = testing::open_db(dir.file("db"));
  const Snowflake big = 18446744073709551615ull;
  db->set_token(big, kToken);
  ASSERT_EQ(db->put(big, "k", "v", PutMode::kUpsert), WriteOutcome::kOk);
  EXPECT_EQ(db->value(big, "k"), "v");
  EXPECT_EQ(db->all_pairs().at(0).first, big);
  EXPECT_EQ(db->any_token()->first, big);
}

TEST(SqliteDatabase, RetentionPurgesOnlyUsersGoneLongerThanTheCutoff) {
  testing::TempDir dir;
  auto db = testing::open_db(dir.file("db"));
  db->set_token(kAlice, kToken);
  db->set_token(kBob, kToken);
  ASSERT_EQ(db->put(kAlice, "k", "v", PutMode::kUpsert), WriteOutcome::kOk);
  ASSERT_EQ(db->put(kBob, "k", "v", PutMode::kUpsert), WriteOutcome::kOk);
  db->set_left(kAlice, 1000);
  db->set_left(kAlice, 5000);  // a repeated leave keeps the first departure
  db->set_left(kBob, 1000);
  db->set_left(kBob, std::nullopt);  // came back
  db->set_left(999, 1);              // no row: nothing created
  EXPECT_EQ(db->purge_left_before(1000), std::vector<Snowflake>{});
  EXPECT_EQ(db->purge_left_before(1001), std::vector<Snowflake>{kAlice});
  EXPECT_EQ(db->token(kAlice), std::nullopt);
  EXPECT_EQ(db->value(kAlice, "k"), std::nullopt);
  EXPECT_EQ(db->value(kBob, "k"), "v");
  EXPECT_EQ(db->all_pairs().size(), 1u);
}

TEST(SqliteDatabase, ImportReplacesTokenAndPairs) {
  testing::TempDir dir;
  auto db = testing::open_db(dir.file("db"));
  ImportedStorage storage{kAlice, kToken, {{"a", "1"}, {"b", "2"}}};
  ASSERT_TRUE(db->import_storage(storage));
  ASSERT_TRUE(db->import_storage(storage));
  EXPECT_EQ(db->pairs(kAlice), storage.pairs);
  EXPECT_EQ(db->token(kAlice), kToken);
  ImportedStorage too_many{kBob, kToken, {}};
  for (std::size_t i = 0; i <= kMaxPairsPerUser; ++i) too_many.pairs["k" + std::to_string(i)] = "";
  EXPECT_FALSE(db->import_storage(too_many));
  EXPECT_EQ(db->token(kBob), std::nullopt);
}

}  // namespace
}  // namespace lantern::storage

namespace lantern::storage {
namespace {

TEST(SqliteDatabaseBatch, OperationsFailIndividuallyAndCommitTogether) {
  testing::TempDir dir;
  const auto path = dir.file("db");
  auto db = testing::open_db(path);
  db->set_token(testing::kAlice, kToken);
  for (std::size_t i = 0; i + 1 < kMaxPairsPerUser; ++i) {
    ASSERT_EQ(db->put(testing::kAlice, "k" + std::to_string(i), "v", PutMode::kUpsert),
              WriteOutcome::kOk);
  }
  db->begin_batch();
  EXPECT_EQ(db->put(testing::kAlice, "last", "v", PutMode::kUpsert), WriteOutcome::kOk);
  EXPECT_EQ(db->put(testing::kAlice, "over", "v", PutMode::kUpsert), WriteOutcome::kFull);
  EXPECT_EQ(db->erase(testing::kAlice, "nope"), WriteOutcome::kNotFound);
  EXPECT_EQ(db->put(testing::kAlice, "k0", "changed", PutMode::kOnlyExisting), WriteOutcome::kOk);
  // Not durable yet: another connection does not see it.
  {
    auto other = testing::open_db(path);
    EXPECT_EQ(other->value(testing::kAlice, "last"), std::nullopt);
  }
  db->commit_batch();
  auto other = testing::open_db(path);
  EXPECT_EQ(other->value(testing::kAlice, "last"), "v");
  EXPECT_EQ(other->value(testing::kAlice, "k0"), "changed");
  EXPECT_EQ(other->pairs(testing::kAlice)->size(), kMaxPairsPerUser);
}

TEST(SqliteDatabaseBatch, RollbackDiscardsEverything) {
  testing::TempDir dir;
  auto db = testing::open_db(dir.file("db"));
  db->set_token(testing::kAlice, kToken);
  db->begin_batch();
  EXPECT_EQ(db->put(testing::kAlice, "a", "1", PutMode::kUpsert), WriteOutcome::kOk);
  db->set_last_seen({{testing::kAlice, 5}});
  db->rollback_batch();
  EXPECT_EQ(db->value(testing::kAlice, "a"), std::nullopt);
  EXPECT_TRUE(db->all_last_seen().empty());
  // And the connection works normally afterwards.
  EXPECT_EQ(db->put(testing::kAlice, "a", "2", PutMode::kUpsert), WriteOutcome::kOk);
  EXPECT_EQ(db->value(testing::kAlice, "a"), "2");
}

}  // namespace
}  // namespace lantern::storage
