// storage::Database: the persistence port of the storage layer.
//
// A narrow, synchronous interface over one database connection. The SQLite
// implementation (sqlite_database.h) is the default; a PostgreSQL one can follow by
// implementing this class, without touching storage::Service or its callers.
//
// Threading: a Database is used by one thread at a time (storage::Service's worker,
// or the `import-mongo` command). Implementations need no locking of their own.
//
// Durability: every mutating method is one transaction; when it returns, the change
// is committed and durable (the SQLite implementation runs synchronous=FULL),
// except inside a batch (begin_batch), where durability comes with commit_batch.
//
// Errors: a failure of the database itself (I/O error, disk full, corruption, lock
// timeout) throws DatabaseError, and the transaction is rolled back, so nothing is
// half-applied. Domain outcomes (no token, missing key, limit reached) are return
// values. DatabaseError never leaves the storage layer: Service turns it into
// Status::kError.
//
// Model: a user row holds the encrypted token (absent until the user creates one),
// last_seen_at and left_at; pairs belong to a user row. A user "has storage" when it
// has a token: the pair-writing methods refuse users without one, so pairs never
// exist without a token.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "presence/store.h"
#include "storage/crypto.h"
#include "util/snowflake.h"

namespace lantern::storage {

class DatabaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class PutMode : std::uint8_t {
  kUpsert,        // create or overwrite (PUT)
  kOnlyExisting,  // overwrite an existing key only (PATCH)
};

enum class WriteOutcome : std::uint8_t {
  kOk,
  kNoStorage,  // the user has no token (never created one, or reset)
  kNotFound,   // PATCH / delete of a key that does not exist
  kFull,       // the write would make pair number kMaxPairsPerUser + 1
};

// What `import-mongo` writes for one `keyvaluestorages` document.
struct ImportedStorage {
  Snowflake user_id = 0;
  EncryptedToken token;
  presence::StoragePairs pairs;
};

class Database {
 public:
  virtual ~Database() = default;

  // ---- tokens ------------------------------------------------------------

  virtual std::optional<EncryptedToken> token(Snowflake user_id) = 0;
  // Creates the user row if needed; keeps the pairs.
  virtual void set_token(Snowflake user_id, const EncryptedToken& token) = 0;
  // Some stored token, for the start-up check of the secret; nullopt when none.
  virtual std::optional<std::pair<Snowflake, EncryptedToken>> any_token() = 0;

  // ---- pairs -------------------------------------------------------------

  // nullopt when the user has no storage (no token).
  virtual std::optional<presence::StoragePairs> pairs(Snowflake user_id) = 0;
  virtual std::optional<std::string> value(Snowflake user_id, std::string_view key) = 0;
  // The caller has validated key and value (kv_rules.h); the limit is enforced here,
  // inside the transaction, so a refused write changes nothing.
  virtual WriteOutcome put(Snowflake user_id, std::string_view key, std::string_view value,
                           PutMode mode) = 0;
  virtual WriteOutcome erase(Snowflake user_id, std::string_view key) = 0;
  // Removes every pair, keeps the token.
  virtual WriteOutcome clear_pairs(Snowflake user_id) = 0;
  // Removes token and pairs (keeps last_seen_at / left_at). kNoStorage when there
  // was nothing to reset.
  virtual WriteOutcome reset(Snowflake user_id) = 0;
  // Every user that has storage, with its pairs (possibly empty), ordered by id.
  virtual std::vector<std::pair<Snowflake, presence::StoragePairs>> all_pairs() = 0;

  // ---- last seen and retention --------------------------------------------

  // Applies a batch of last-seen changes in one transaction (nullopt clears),
  // creating user rows as needed.
  virtual void set_last_seen(
      const std::vector<std::pair<Snowflake, std::optional<std::int64_t>>>& changes) = 0;
  virtual std::vector<std::pair<Snowflake, std::int64_t>> all_last_seen() = 0;
  // Records that the user left at `left_at_ms` (nullopt: they are a member again).
  // An earlier recorded departure is kept, so that repeated leave events (resyncs)
  // never extend the retention period. Users without a row are not created: with no
  // data there is nothing to retain.
  virtual void set_left(Snowflake user_id, std::optional<std::int64_t> left_at_ms) = 0;
  // Deletes everything of the users whose departure is before `cutoff_ms`; returns
  // their ids.
  virtual std::vector<Snowflake> purge_left_before(std::int64_t cutoff_ms) = 0;

  // ---- group commit --------------------------------------------------------

  // Between begin_batch() and commit_batch() every mutating method applies inside
  // one outer transaction: it still succeeds or fails as a whole on its own (a
  // failed method undoes only its changes), but nothing is durable before
  // commit_batch() returns. If commit_batch() throws, nothing of the batch was
  // applied. rollback_batch() discards the batch and never throws. One fsync per
  // batch instead of per write is what lets a single writer keep up.
  virtual void begin_batch() = 0;
  virtual void commit_batch() = 0;
  virtual void rollback_batch() noexcept = 0;

  // ---- import ------------------------------------------------------------

  // Upserts: token replaced, pairs replaced by exactly `storage.pairs`. Running it
  // twice leaves the same state as running it once. Refuses (returns false, changes
  // nothing) when the pairs exceed kMaxPairsPerUser.
  virtual bool import_storage(const ImportedStorage& storage) = 0;
};

}  // namespace lantern::storage
