#include "storage/sqlite_database.h"

#include <array>
#include <string>

#include "storage/kv_rules.h"
#include "storage/sqlite_handle.h"

namespace lantern::storage {
namespace {

using sqlite::Connection;
using sqlite::Statement;
using sqlite::Transaction;

// Migration N (1-based) brings the schema from version N-1 to N. Append only:
// a released migration is never edited.
constexpr std::array<const char*, 1> kMigrations = {
    // 1: users (token, last seen, departure) and their pairs.
    R"sql(
CREATE TABLE users (
  user_id          INTEGER PRIMARY KEY,
  token_iv         TEXT,
  token_ciphertext TEXT,
  token_tag        TEXT,
  last_seen_at     INTEGER,
  left_at          INTEGER,
  CHECK ((token_iv IS NULL) = (token_ciphertext IS NULL)
     AND (token_iv IS NULL) = (token_tag IS NULL))
);
CREATE INDEX users_left_at ON users (left_at) WHERE left_at IS NOT NULL;
CREATE TABLE pairs (
  user_id INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  key     TEXT NOT NULL,
  value   TEXT NOT NULL,
  PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
)sql",
};

std::int64_t to_db(Snowflake id) {
  return static_cast<std::int64_t>(id);
}
Snowflake from_db(std::int64_t id) {
  return static_cast<Snowflake>(id);
}

// Rewinds a statement when the scope ends, so that no statement stays mid-result
// (which would keep a read transaction open).
class Use {
 public:
  explicit Use(Statement& statement) : statement_(statement) { statement_.reset(); }
  ~Use() { statement_.reset(); }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  Statement* operator->() { return &statement_; }

 private:
  Statement& statement_;
};

int user_version(Connection& connection) {
  Statement query(connection, "PRAGMA user_version");
  if (!query.step()) connection.fail("user_version");
  return static_cast<int>(query.column_int(0));
}

void migrate(Connection& connection) {
  const int known = static_cast<int>(kMigrations.size());
  int version = user_version(connection);
  if (version > known) {
    throw DatabaseError("the database schema is version " + std::to_string(version) +
                        ", newer than this Lantern knows (" + std::to_string(known) +
                        "); upgrade Lantern or restore a matching backup");
  }
  while (version < known) {
    Transaction transaction(connection);
    connection.exec(kMigrations[static_cast<std::size_t>(version)]);
    ++version;
    connection.exec(("PRAGMA user_version = " + std::to_string(version)).c_str());
    transaction.commit();
  }
}

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(std::unique_ptr<Connection> connection)
      : db_(std::move(connection)),
        select_token_(*db_,
                      "SELECT token_iv, token_ciphertext, token_tag FROM users "
                      "WHERE user_id = ? AND token_iv IS NOT NULL"),
        any_token_(*db_,
                   "SELECT user_id, token_iv, token_ciphertext, token_tag FROM users "
                   "WHERE token_iv IS NOT NULL ORDER BY user_id LIMIT 1"),
        upsert_token_(*db_,
                      "INSERT INTO users (user_id, token_iv, token_ciphertext, token_tag) "
                      "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (user_id) DO UPDATE SET "
                      "token_iv = ?2, token_ciphertext = ?3, token_tag = ?4"),
        has_token_(*db_, "SELECT 1 FROM users WHERE user_id = ? AND token_iv IS NOT NULL"),
        select_pairs_(*db_, "SELECT key, value FROM pairs WHERE user_id = ? ORDER BY key"),
        select_value_(*db_, "SELECT value FROM pairs WHERE user_id = ? AND key = ?"),
        count_pairs_(*db_, "SELECT count(*) FROM pairs WHERE user_id = ?"),
        upsert_pair_(*db_,
                     "INSERT INTO pairs (user_id, key, value) VALUES (?1, ?2, ?3) "
                     "ON CONFLICT (user_id, key) DO UPDATE SET value = ?3"),
        delete_pair_(*db_, "DELETE FROM pairs WHERE user_id = ? AND key = ?"),
        delete_pairs_(*db_, "DELETE FROM pairs WHERE user_id = ?"),
        clear_token_(*db_,
                     "UPDATE users SET token_iv = NULL, token_ciphertext = NULL, "
                     "token_tag = NULL WHERE user_id = ?"),
        all_pairs_(*db_,
                   "SELECT u.user_id, p.key, p.value FROM users u "
                   "LEFT JOIN pairs p ON p.user_id = u.user_id "
                   "WHERE u.token_iv IS NOT NULL ORDER BY u.user_id, p.key"),
        upsert_last_seen_(*db_,
                          "INSERT INTO users (user_id, last_seen_at) VALUES (?1, ?2) "
                          "ON CONFLICT (user_id) DO UPDATE SET last_seen_at = ?2"),
        all_last_seen_(*db_,
                       "SELECT user_id, last_seen_at FROM users "
                       "WHERE last_seen_at IS NOT NULL ORDER BY user_id"),
        mark_left_(*db_, "UPDATE users SET left_at = coalesce(left_at, ?2) WHERE user_id = ?1"),
        mark_joined_(*db_, "UPDATE users SET left_at = NULL WHERE user_id = ?"),
        expired_(*db_, "SELECT user_id FROM users WHERE left_at < ? ORDER BY user_id"),
        delete_user_(*db_, "DELETE FROM users WHERE user_id = ?") {}

  std::optional<EncryptedToken> token(Snowflake user_id) override {
    Use q(select_token_);
    q->bind(1, to_db(user_id));
    if (!q->step()) return std::nullopt;
    return EncryptedToken{q->column_text(0), q->column_text(1), q->column_text(2)};
  }

  void set_token(Snowflake user_id, const EncryptedToken& token) override {
    Transaction transaction(*db_);
    {
      Use q(upsert_token_);
      q->bind(1, to_db(user_id))
          .bind(2, token.iv_hex)
          .bind(3, token.ciphertext_hex)
          .bind(4, token.tag_hex)
          .run();
    }
    transaction.commit();
  }

  std::optional<std::pair<Snowflake, EncryptedToken>> any_token() override {
    Use q(any_token_);
    if (!q->step()) return std::nullopt;
    return std::pair{from_db(q->column_int(0)),
                     EncryptedToken{q->column_text(1), q->column_text(2), q->column_text(3)}};
  }

  std::optional<presence::StoragePairs> pairs(Snowflake user_id) override {
    if (!has_token(user_id)) return std::nullopt;
    presence::StoragePairs result;
    Use q(select_pairs_);
    q->bind(1, to_db(user_id));
    while (q->step()) result.emplace(q->column_text(0), q->column_text(1));
    return result;
  }

  std::optional<std::string> value(Snowflake user_id, std::string_view key) override {
    Use q(select_value_);
    q->bind(1, to_db(user_id)).bind(2, key);
    if (!q->step()) return std::nullopt;
    return q->column_text(0);
  }

  WriteOutcome put(Snowflake user_id, std::string_view key, std::string_view value,
                   PutMode mode) override {
    Transaction transaction(*db_);
    if (!has_token(user_id)) return WriteOutcome::kNoStorage;
    const bool exists = this->value(user_id, key).has_value();
    if (!exists) {
      if (mode == PutMode::kOnlyExisting) return WriteOutcome::kNotFound;
      if (pair_count(user_id) >= kMaxPairsPerUser) return WriteOutcome::kFull;
    }
    {
      Use q(upsert_pair_);
      q->bind(1, to_db(user_id)).bind(2, key).bind(3, value).run();
    }
    transaction.commit();
    return WriteOutcome::kOk;
  }

  WriteOutcome erase(Snowflake user_id, std::string_view key) override {
    Transaction transaction(*db_);
    if (!has_token(user_id)) return WriteOutcome::kNoStorage;
    {
      Use q(delete_pair_);
      q->bind(1, to_db(user_id)).bind(2, key).run();
    }
    if (sqlite3_changes(db_->get()) == 0) return WriteOutcome::kNotFound;
    transaction.commit();
    return WriteOutcome::kOk;
  }

  WriteOutcome clear_pairs(Snowflake user_id) override {
    Transaction transaction(*db_);
    if (!has_token(user_id)) return WriteOutcome::kNoStorage;
    {
      Use q(delete_pairs_);
      q->bind(1, to_db(user_id)).run();
    }
    transaction.commit();
    return WriteOutcome::kOk;
  }

  WriteOutcome reset(Snowflake user_id) override {
    Transaction transaction(*db_);
    if (!has_token(user_id)) return WriteOutcome::kNoStorage;
    {
      Use q(delete_pairs_);
      q->bind(1, to_db(user_id)).run();
    }
    {
      Use q(clear_token_);
      q->bind(1, to_db(user_id)).run();
    }
    transaction.commit();
    return WriteOutcome::kOk;
  }

  std::vector<std::pair<Snowflake, presence::StoragePairs>> all_pairs() override {
    std::vector<std::pair<Snowflake, presence::StoragePairs>> result;
    Use q(all_pairs_);
    while (q->step()) {
      const Snowflake id = from_db(q->column_int(0));
      if (result.empty() || result.back().first != id)
        result.emplace_back(id, presence::StoragePairs{});
      if (!q->column_is_null(1)) result.back().second.emplace(q->column_text(1), q->column_text(2));
    }
    return result;
  }

  void set_last_seen(
      const std::vector<std::pair<Snowflake, std::optional<std::int64_t>>>& changes) override {
    if (changes.empty()) return;
    Transaction transaction(*db_);
    for (const auto& [user_id, unix_ms] : changes) {
      Use q(upsert_last_seen_);
      q->bind(1, to_db(user_id)).bind(2, unix_ms).run();
    }
    transaction.commit();
  }

  std::vector<std::pair<Snowflake, std::int64_t>> all_last_seen() override {
    std::vector<std::pair<Snowflake, std::int64_t>> result;
    Use q(all_last_seen_);
    while (q->step()) result.emplace_back(from_db(q->column_int(0)), q->column_int(1));
    return result;
  }

  void set_left(Snowflake user_id, std::optional<std::int64_t> left_at_ms) override {
    Transaction transaction(*db_);
    if (left_at_ms) {
      Use q(mark_left_);
      q->bind(1, to_db(user_id)).bind(2, *left_at_ms).run();
    } else {
      Use q(mark_joined_);
      q->bind(1, to_db(user_id)).run();
    }
    transaction.commit();
  }

  std::vector<Snowflake> purge_left_before(std::int64_t cutoff_ms) override {
    Transaction transaction(*db_);
    std::vector<Snowflake> ids;
    {
      Use q(expired_);
      q->bind(1, cutoff_ms);
      while (q->step()) ids.push_back(from_db(q->column_int(0)));
    }
    for (Snowflake id : ids) {
      Use q(delete_user_);
      q->bind(1, to_db(id)).run();  // pairs go with it (ON DELETE CASCADE)
    }
    transaction.commit();
    return ids;
  }

  void begin_batch() override { db_->begin_batch(); }
  void commit_batch() override { db_->commit_batch(); }
  void rollback_batch() noexcept override { db_->rollback_batch(); }

  bool import_storage(const ImportedStorage& storage) override {
    if (storage.pairs.size() > kMaxPairsPerUser) return false;
    Transaction transaction(*db_);
    {
      Use q(upsert_token_);
      q->bind(1, to_db(storage.user_id))
          .bind(2, storage.token.iv_hex)
          .bind(3, storage.token.ciphertext_hex)
          .bind(4, storage.token.tag_hex)
          .run();
    }
    {
      Use q(delete_pairs_);
      q->bind(1, to_db(storage.user_id)).run();
    }
    for (const auto& [key, value] : storage.pairs) {
      Use q(upsert_pair_);
      q->bind(1, to_db(storage.user_id)).bind(2, key).bind(3, value).run();
    }
    transaction.commit();
    return true;
  }

 private:
  bool has_token(Snowflake user_id) {
    Use q(has_token_);
    q->bind(1, to_db(user_id));
    return q->step();
  }

  std::size_t pair_count(Snowflake user_id) {
    Use q(count_pairs_);
    q->bind(1, to_db(user_id));
    if (!q->step()) db_->fail("count");
    return static_cast<std::size_t>(q->column_int(0));
  }

  // Declared first so that it is destroyed after every statement.
  std::unique_ptr<Connection> db_;
  Statement select_token_;
  Statement any_token_;
  Statement upsert_token_;
  Statement has_token_;
  Statement select_pairs_;
  Statement select_value_;
  Statement count_pairs_;
  Statement upsert_pair_;
  Statement delete_pair_;
  Statement delete_pairs_;
  Statement clear_token_;
  Statement all_pairs_;
  Statement upsert_last_seen_;
  Statement all_last_seen_;
  Statement mark_left_;
  Statement mark_joined_;
  Statement expired_;
  Statement delete_user_;
};

}  // namespace

int sqlite_schema_version() {
  return static_cast<int>(kMigrations.size());
}

OpenDatabaseResult open_sqlite_database(const SqliteOptions& options) {
  try {
    auto connection = std::make_unique<Connection>(options.path);
    connection->exec(("PRAGMA busy_timeout = " + std::to_string(options.busy_timeout_ms)).c_str());
    {
      Statement wal(*connection, "PRAGMA journal_mode = WAL");
      if (!wal.step() || wal.column_text(0) != "wal") {
        throw DatabaseError("SQLite database " + options.path + " cannot use WAL mode");
      }
    }
    connection->exec("PRAGMA synchronous = FULL");
    connection->exec("PRAGMA foreign_keys = ON");
    migrate(*connection);
    return {std::make_unique<SqliteDatabase>(std::move(connection)), {}};
  } catch (const DatabaseError& error) {
    return {nullptr, error.what()};
  }
}

}  // namespace lantern::storage
