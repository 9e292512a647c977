// `lantern backup`: the copy is a consistent snapshot taken while writers keep
// committing, it replaces the destination atomically, and bad paths are refused
// with a sentence and without touching any file.
#include "storage/backup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "storage/sqlite_handle.h"
#include "storage_test_support.h"

namespace lantern::storage {
namespace {

namespace fs = std::filesystem;
using testing::kAlice;

std::string pragma(const std::string& path, const char* name) {
  sqlite::Connection connection(path);
  sqlite::Statement query(connection, (std::string("PRAGMA ") + name).c_str());
  EXPECT_TRUE(query.step());
  return query.column_text(0);
}

std::int64_t scalar(sqlite::Connection& connection, const char* sql) {
  sqlite::Statement query(connection, sql);
  EXPECT_TRUE(query.step()) << sql;
  return query.column_int(0);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Files in `folder` other than `expected` (temporary copies left behind, -wal/-shm).
std::vector<std::string> stray_files(const std::string& folder,
                                     const std::vector<std::string>& expected) {
  std::vector<std::string> stray;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const auto name = entry.path().filename().string();
    if (std::find(expected.begin(), expected.end(), name) == expected.end()) stray.push_back(name);
  }
  return stray;
}

// Waits for `condition` with a generous deadline (never a timing assertion).
template <typename Condition>
bool wait_for(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

// A database of two tables that every writer transaction extends by one row each,
// with the same id: a consistent snapshot has equal tables without gaps.
void create_pair_tables(const std::string& path, int rows) {
  sqlite::Connection connection(path);
  connection.exec(
      "PRAGMA journal_mode=WAL;"
      "CREATE TABLE a (id INTEGER PRIMARY KEY, payload BLOB NOT NULL);"
      "CREATE TABLE b (id INTEGER PRIMARY KEY, payload BLOB NOT NULL);");
  sqlite::Transaction transaction(connection);
  sqlite::Statement insert_a(connection, "INSERT INTO a (id, payload) VALUES (?, randomblob(600))");
  sqlite::Statement insert_b(connection, "INSERT INTO b (id, payload) VALUES (?, randomblob(600))");
  for (int id = 1; id <= rows; ++id) {
    insert_a.bind(1, std::int64_t{id}).run();
    insert_a.reset();
    insert_b.bind(1, std::int64_t{id}).run();
    insert_b.reset();
  }
  transaction.commit();
}

TEST(Backup, SnapshotWhileAnotherConnectionKeepsWriting) {
  testing::TempDir dir;
  const auto source = dir.file("live.db");
  const auto copy = dir.file("copy.db");
  constexpr int kSeeded = 2000;  // about 600 pages: many steps of 16
  create_pair_tables(source, kSeeded);

  // The writer: its own connection on its own thread, one transaction per id.
  std::atomic<std::int64_t> committed{kSeeded};
  std::atomic<bool> stop{false};
  std::string writer_error;
  std::thread writer([&] {
    try {
      sqlite::Connection connection(source);
      connection.exec("PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000");
      sqlite::Statement insert_a(connection,
                                 "INSERT INTO a (id, payload) VALUES (?, randomblob(600))");
      sqlite::Statement insert_b(connection,
                                 "INSERT INTO b (id, payload) VALUES (?, randomblob(600))");
      // Bounded, so that a backup that never finishes (restarting on every write)
      // ends in a failed assertion instead of a hang.
      for (std::int64_t id = kSeeded + 1; !stop && id <= kSeeded + 20000; ++id) {
        sqlite::Transaction transaction(connection);
        insert_a.bind(1, id).run();
        insert_a.reset();
        insert_b.bind(1, id).run();
        insert_b.reset();
        transaction.commit();
        committed = id;
      }
    } catch (const std::exception& e) {
      writer_error = e.what();
    }
  });
  ASSERT_TRUE(wait_for([&] { return committed > kSeeded; }));
  const std::int64_t before = committed;

  // Between steps the snapshot's read transaction is open; the writer must still
  // be able to commit. Remaining pages must only go down (no restart).
  int steps = 0;
  int writer_stalled = 0;
  int previous_remaining = -1;
  bool restarted = false;
  BackupOptions options;
  options.pages_per_step = 16;
  options.pause_ms = 0;
  options.on_step = [&](int remaining, int total) {
    ++steps;
    if (previous_remaining >= 0 && remaining > previous_remaining) restarted = true;
    previous_remaining = remaining;
    EXPECT_LE(remaining, total);
    if (restarted || writer_stalled > 0) return;  // already failed; do not wait again
    const std::int64_t now = committed;
    if (!wait_for([&] { return committed >= now + 2; })) ++writer_stalled;
  };
  const BackupResult result = backup_database(source, copy, options);
  const std::int64_t after = committed;
  stop = true;
  writer.join();

  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_TRUE(writer_error.empty()) << writer_error;
  EXPECT_GT(steps, 10) << "the copy was not incremental";
  EXPECT_EQ(writer_stalled, 0) << "the writer could not commit during the backup";
  EXPECT_FALSE(restarted) << "the backup restarted after a concurrent write";
  EXPECT_EQ(result.bytes, fs::file_size(copy));

  // The copy is a self-contained (rollback-journal) file that passes the check.
  EXPECT_EQ(pragma(copy, "journal_mode"), "delete");
  EXPECT_EQ(pragma(copy, "integrity_check"), "ok");
  sqlite::Connection connection(copy);
  const std::int64_t rows_a = scalar(connection, "SELECT count(*) FROM a");
  const std::int64_t rows_b = scalar(connection, "SELECT count(*) FROM b");
  EXPECT_EQ(rows_a, rows_b) << "torn snapshot";
  EXPECT_EQ(scalar(connection, "SELECT max(id) FROM a"), rows_a) << "gap in the snapshot";
  EXPECT_EQ(scalar(connection, "SELECT max(id) FROM b"), rows_b) << "gap in the snapshot";
  // Everything committed before the backup began, nothing committed while it ran
  // (the writer committed at least two transactions after every step).
  EXPECT_GE(rows_a, before);
  EXPECT_LT(rows_a, after);
  EXPECT_TRUE(
      stray_files(dir.file(""), {"live.db", "live.db-wal", "live.db-shm", "copy.db"}).empty());
}

TEST(Backup, CopiesAServiceDatabaseWhileAsyncWritesRun) {
  testing::TempDir dir;
  const auto source = dir.file("lantern.db");
  const auto copy = dir.file("backup.db");
  auto service = testing::open(source);
  ASSERT_TRUE(service);
  constexpr int kUsers = 20;
  constexpr int kPairs = 10;
  for (int u = 0; u < kUsers; ++u) {
    const Snowflake user = kAlice + static_cast<Snowflake>(u);
    testing::create_token(*service, user);
    for (int k = 0; k < kPairs; ++k) {
      ASSERT_EQ(testing::put(*service, user, "k" + std::to_string(k), std::string(300, 'v')).status,
                Status::kOk);
    }
    service->last_seen_changed(user, 1700000000000 + u);
  }
  service->flush();  // every write above is acknowledged, so it predates the backup

  // Writes keep arriving while the backup runs; none waits for its callback.
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::thread traffic([&] {
    for (int i = 0; !stop; ++i) {
      const Snowflake user = kAlice + static_cast<Snowflake>(i % kUsers);
      const bool accepted = service->put(user, "live" + std::to_string(i % 100), std::to_string(i),
                                         [&acknowledged](WriteResult r) {
                                           if (r.status == Status::kOk) ++acknowledged;
                                         });
      service->last_seen_changed(user, 1800000000000 + i);
      if (!accepted) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  ASSERT_TRUE(wait_for([&] { return acknowledged > 0; }));

  BackupOptions options;
  options.pages_per_step = 4;
  options.pause_ms = 1;
  const BackupResult result = backup_database(source, copy, options);
  stop = true;
  traffic.join();
  service->flush();
  ASSERT_TRUE(result.ok()) << result.error;

  EXPECT_EQ(pragma(copy, "integrity_check"), "ok");
  EXPECT_EQ(pragma(copy, "user_version"), std::to_string(sqlite_schema_version()));
  auto database = testing::open_db(copy);
  ASSERT_TRUE(database);
  for (int u = 0; u < kUsers; ++u) {
    const Snowflake user = kAlice + static_cast<Snowflake>(u);
    ASSERT_TRUE(database->token(user).has_value()) << u;
    const auto pairs = database->pairs(user);
    ASSERT_TRUE(pairs.has_value()) << u;
    for (int k = 0; k < kPairs; ++k) {
      EXPECT_EQ(pairs->count("k" + std::to_string(k)), 1u) << u << " k" << k;
    }
  }
  // The live database is unharmed and still in use.
  EXPECT_EQ(testing::put(*service, kAlice, "after", "backup").status, Status::kOk);
}

TEST(Backup, ClosedDatabaseLeavesNoFilesBehindAndCopyIsPrivate) {
  testing::TempDir dir;
  const auto source = dir.file("lantern.db");
  const auto copy = dir.file("backup.db");
  {
    auto service = testing::open(source);
    ASSERT_TRUE(service);
    testing::create_token(*service, kAlice);
    ASSERT_EQ(testing::put(*service, kAlice, "k", "v").status, Status::kOk);
  }
  ASSERT_TRUE(stray_files(dir.file(""), {"lantern.db"}).empty());

  const BackupResult result = backup_database(source, copy);
  ASSERT_TRUE(result.ok()) << result.error;
  // No -wal/-shm left beside the source, no temporary file beside the copy.
  EXPECT_EQ(stray_files(dir.file(""), {"lantern.db", "backup.db"}), std::vector<std::string>{});
  struct stat st {};
  ASSERT_EQ(::stat(copy.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto database = testing::open_db(copy);
  ASSERT_TRUE(database);
  EXPECT_EQ(database->value(kAlice, "k"), "v");
}

TEST(Backup, ReplacesAnOlderBackupAtomically) {
  testing::TempDir dir;
  const auto source = dir.file("lantern.db");
  const auto copy = dir.file("latest.db");
  auto service = testing::open(source);
  ASSERT_TRUE(service);
  testing::create_token(*service, kAlice);
  ASSERT_EQ(testing::put(*service, kAlice, "k", "old").status, Status::kOk);
  ASSERT_TRUE(backup_database(source, copy).ok());
  ASSERT_EQ(testing::put(*service, kAlice, "k", "new").status, Status::kOk);
  const BackupResult second = backup_database(source, copy);
  ASSERT_TRUE(second.ok()) << second.error;
  auto database = testing::open_db(copy);
  ASSERT_TRUE(database);
  EXPECT_EQ(database->value(kAlice, "k"), "new");
}

TEST(Backup, MissingDestinationFolderIsAClearError) {
  testing::TempDir dir;
  const auto source = dir.file("lantern.db");
  ASSERT_TRUE(testing::open_db(source));
  const auto destination = dir.file("missing/backup.db");
  const BackupResult result = backup_database(source, destination);
  EXPECT_EQ(result.status, BackupStatus::kInvalid);
  EXPECT_EQ(result.error,
            "the folder " + dir.file("missing") + " of the backup file does not exist");
  EXPECT_FALSE(fs::exists(dir.file("missing")));
  EXPECT_EQ(backup_exit_code(result), 2);
}

TEST(Backup, RefusesToOverwriteTheLiveDatabase) {
  testing::TempDir dir;
  const auto source = dir.file("lantern.db");
  auto service = testing::open(source);
  ASSERT_TRUE(service);
  testing::create_token(*service, kAlice);
  ASSERT_EQ(testing::put(*service, kAlice, "k", "v").status, Status::kOk);
  fs::create_directory(dir.file("sub"));
  fs::create_symlink(source, dir.file("link.db"));
  fs::create_hard_link(source, dir.file("hard.db"));

  for (const auto& destination :
       {source, dir.file("sub/../lantern.db"), dir.file("./lantern.db"), dir.file("link.db"),
        dir.file("hard.db"), source + "-wal", source + "-shm", source + "-journal"}) {
    const BackupResult result = backup_database(source, destination);
    EXPECT_EQ(result.status, BackupStatus::kInvalid) << destination;
    EXPECT_NE(result.error.find("refusing to write the backup over the live database"),
              std::string::npos)
        << destination << ": " << result.error;
  }
  // Nothing was replaced: the service still reads and writes the same data.
  EXPECT_EQ(testing::value(*service, kAlice, "k").second, "v");
  EXPECT_EQ(testing::put(*service, kAlice, "k2", "v2").status, Status::kOk);
  EXPECT_TRUE(fs::is_symlink(dir.file("link.db")));
  EXPECT_EQ(stray_files(dir.file(""), {"lantern.db", "lantern.db-wal", "lantern.db-shm", "sub",
                                       "link.db", "hard.db"}),
            std::vector<std::string>{});
}

TEST(Backup, RefusesToReplaceAFileThatIsNotADatabase) {
  testing::TempDir dir;
  const auto source = dir.file("lantern.db");
  ASSERT_TRUE(testing::open_db(source));
  const auto config = dir.file("config.toml");
  std::ofstream(config) << "base_guild_id = \"1\"\n";
  const BackupResult result = backup_database(source, config);
  EXPECT_EQ(result.status, BackupStatus::kInvalid);
  EXPECT_NE(result.error.find("is not a SQLite database; refusing to replace it"),
            std::string::npos)
      << result.error;
  EXPECT_EQ(read_file(config), "base_guild_id = \"1\"\n");

  const BackupResult folder = backup_database(source, dir.file(""));
  EXPECT_EQ(folder.status, BackupStatus::kInvalid);
  EXPECT_NE(folder.error.find("folder"), std::string::npos) << folder.error;
}

TEST(Backup, BadSourceIsAClearError) {
  testing::TempDir dir;
  const BackupResult missing = backup_database(dir.file("nope.db"), dir.file("b.db"));
  EXPECT_EQ(missing.status, BackupStatus::kInvalid);
  EXPECT_EQ(missing.error,
            "the database " + dir.file("nope.db") + " does not exist (check database.path)");

  std::ofstream(dir.file("text.db")) << std::string(8192, 'x');
  const BackupResult text = backup_database(dir.file("text.db"), dir.file("b.db"));
  EXPECT_EQ(text.status, BackupStatus::kInvalid);
  EXPECT_NE(text.error.find("is not a SQLite database"), std::string::npos) << text.error;
  EXPECT_EQ(stray_files(dir.file(""), {"text.db"}), std::vector<std::string>{});
}

TEST(Backup, RunBackupReportsAndReturnsTheExitCode) {
  testing::TempDir dir;
  const auto source = dir.file("lantern.db");
  ASSERT_TRUE(testing::open_db(source));
  std::ostringstream report;
  EXPECT_EQ(run_backup(source, dir.file("b.db"), report), 0);
  EXPECT_NE(report.str().find("lantern: backed up " + source + " to " + dir.file("b.db") + " ("),
            std::string::npos)
      << report.str();
  EXPECT_NE(report.str().find("bytes, integrity ok)\n"), std::string::npos) << report.str();

  std::ostringstream refused;
  EXPECT_EQ(run_backup(source, source, refused), 2);
  EXPECT_EQ(refused.str().rfind("lantern: backup failed: refusing", 0), 0u) << refused.str();

  EXPECT_EQ(backup_exit_code({BackupStatus::kFailed, "x", 0}), 1);
}

}  // namespace
}  // namespace lantern::storage
