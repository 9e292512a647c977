// storage::Service: the asynchronous front of the storage layer, used by REST
// routes, socket sessions, the bot and the app's wiring.
//
// Threading contract
//  * Every public method may be called from any thread and never blocks on the
//    database: it validates its arguments, enqueues the work on the service's single
//    worker thread and returns at once. (The one exception is the destructor, which
//    drains the queue and joins the worker.)
//  * Completion callbacks run ON THE WORKER THREAD, after the work is done. They must
//    be short and must not block: post to your own executor (Asio strand, presence
//    writer) and return. Calling Service methods from a callback is allowed.
//  * A write's callback fires only after its transaction has COMMITTED with
//    synchronous=FULL, i.e. once the write is durable. Callbacks of one service fire
//    in submission order.
//  * Group commit: operations that queued up while the worker was busy (up to 256)
//    run in one transaction with one fsync; each still succeeds or fails on its own
//    (the 513th pair is refused even when it arrives in the same group as the
//    512th), and all their callbacks fire after that one COMMIT. If the group cannot
//    commit, its operations run again one by one, so an error reaches only the
//    operations that really failed.
//  * The queue is bounded (Options::queue_capacity). When it is full a method
//    returns false and its callback is never called; REST answers 503, the bot
//    says "try again". Last-seen changes do not use the queue (see
//    last_seen_changed) and are never refused.
//
// Change notification: after every successful change of a user's pairs (put, patch,
// delete_key, clear_pairs, reset, and the purge) the change listener receives the
// user's complete new pairs, on the worker thread, BEFORE the write's own callback.
// The app posts them to presence::PresenceStore::set_storage, which emits
// STORAGE_UPDATE; doing it before the callback means a client's 200 is never sent
// before the update is on its way to the presence writer.
//
// Errors: database failures arrive as Status::kError (logged here with the reason,
// never with a token or the secret); the storage is unchanged in that case.
//
// Observation (metrics): Options::on_operation is told the outcome of every
// operation once, on the worker thread, just before its callback (so after the
// commit, and never for a run that was rolled back and retried), or on the
// submitting thread when the queue refused it. Callers that answer a storage
// question without the service (REST reads from the presence snapshot, requests
// refused for a bad key before reaching it) report it through report(), so that
// one observer sees every storage operation whichever door it came through.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "presence/store.h"
#include "storage/crypto.h"
#include "storage/database.h"

namespace lantern::storage {

enum class Status : std::uint8_t {
  kOk,
  kNoStorage,     // the user has no token: "User {id} does not have any storage."
  kNotFound,      // the key does not exist: "Key {key} does not exist in the storage."
  kInvalid,       // key or value breaks a rule; `error` holds the API sentence
  kFull,          // the 513th pair; `error` holds kErrorStorageFull
  kUnauthorized,  // authenticate(): no token presented, or the wrong one
  kError,         // the database failed; nothing changed
};

// The service's operations, named after its methods (operation_name). Labels of
// lantern_kv_operations_total{op}.
enum class Operation : std::uint8_t {
  kCreateOrReplaceToken,
  kGetToken,
  kAuthenticate,
  kGetPairs,
  kGetValue,
  kPut,
  kPatch,
  kDeleteKey,
  kClearPairs,
  kReset,
  kLoadAllLastSeen,
  kLoadAllPairs,
  kMarkLeft,
  kMarkJoined,
  kPurgeExpired,
};
inline constexpr std::size_t kOperationCount = 15;

// "create_or_replace_token", "get_token", ... (the method's name).
std::string_view operation_name(Operation operation);

// Outcome of a write. `error` is the API.md sentence for kInvalid and kFull, empty
// otherwise (static storage; valid forever).
struct WriteResult {
  Status status = Status::kOk;
  std::string_view error;
};

using StoragePairsPtr = presence::StoragePairsPtr;

class Service final : public presence::LastSeenSink {
 public:
  struct Options {
    // Pending operations beyond which submissions are refused.
    std::size_t queue_capacity = 4096;
    // How long storage of a member who left is kept (purge_expired).
    std::int64_t retention_ms = std::int64_t{30} * 24 * 60 * 60 * 1000;
    // Told, on the worker thread, how many operations one transaction carried
    // and how long the database took for it (metrics). May be empty.
    std::function<void(std::size_t operations, std::chrono::nanoseconds duration)> on_transaction;
    // Told the outcome of every operation (see "Observation" above); `status` is
    // nullopt when the queue was full and the operation was refused. Called on
    // the worker thread, the submitting thread (refusals) or report()'s caller's,
    // so it must be thread-safe and must not block. May be empty.
    std::function<void(Operation operation, std::optional<Status> status)> on_operation;
  };

  using ChangeListener = std::function<void(Snowflake user_id, StoragePairsPtr pairs)>;
  using WriteCallback = std::function<void(WriteResult)>;
  using TokenCallback = std::function<void(Status, std::string token)>;
  using PairsCallback = std::function<void(Status, StoragePairsPtr pairs)>;
  using ValueCallback = std::function<void(Status, std::string value)>;
  using DoneCallback = std::function<void(Status)>;

  // Takes ownership of an opened, migrated database. Starts the worker thread.
  Service(std::unique_ptr<Database> database, TokenCipher cipher, Options options);
  // Stops accepting work, runs everything already queued (so every accepted write
  // is committed and its callback fires), flushes pending last-seen changes, joins.
  ~Service() override;

  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Set once during wiring, before work is submitted. May be empty. Blocks until
  // the worker has installed it (so operations submitted afterwards notify it).
  // Whatever it refers to must outlive the service (the destructor still runs
  // queued writes, which notify it).
  void set_change_listener(ChangeListener listener);

  // ---- tokens --------------------------------------------------------------

  // Mints a new token (replacing any previous one; the pairs are kept) and returns
  // it in clear to the callback, which hands it to the user and forgets it.
  [[nodiscard]] bool create_or_replace_token(Snowflake user_id, TokenCallback done);
  // The user's current token in clear; kNoStorage when they have none.
  [[nodiscard]] bool get_token(Snowflake user_id, TokenCallback done);
  // Status: kOk when `presented` equals the user's token (constant-time),
  // kNoStorage when the user has no token, kUnauthorized otherwise.
  // `presented` is the raw header value without any "Bearer " prefix.
  [[nodiscard]] bool authenticate(Snowflake user_id, std::string presented, DoneCallback done);

  // ---- pairs ---------------------------------------------------------------

  // Every pair of the user (the bot's /storage list); kNoStorage without a token.
  [[nodiscard]] bool get_pairs(Snowflake user_id, PairsCallback done);
  // kNotFound when the key does not exist; kInvalid for a bad key.
  [[nodiscard]] bool get_value(Snowflake user_id, std::string key, ValueCallback done);
  // Create or overwrite (PUT, /storage create data).
  [[nodiscard]] bool put(Snowflake user_id, std::string key, std::string value, WriteCallback done);
  // Overwrite an existing key only (PATCH, /storage update data); kNotFound otherwise.
  [[nodiscard]] bool patch(Snowflake user_id, std::string key, std::string value,
                           WriteCallback done);
  [[nodiscard]] bool delete_key(Snowflake user_id, std::string key, WriteCallback done);
  // Removes every pair, keeps the token.
  [[nodiscard]] bool clear_pairs(Snowflake user_id, WriteCallback done);
  // Removes the token and every pair (/storage reset).
  [[nodiscard]] bool reset(Snowflake user_id, WriteCallback done);

  // ---- start-up seeding ----------------------------------------------------

  using LastSeenList = std::vector<std::pair<Snowflake, std::int64_t>>;
  using PairsList = std::vector<std::pair<Snowflake, StoragePairsPtr>>;
  [[nodiscard]] bool load_all_last_seen(std::function<void(Status, LastSeenList)> done);
  [[nodiscard]] bool load_all_pairs(std::function<void(Status, PairsList)> done);

  // ---- membership and retention --------------------------------------------

  // The member left the base guild at `left_at_ms` / is a member again. Only
  // per-member events call these: a resync never touches storage in bulk.
  [[nodiscard]] bool mark_left(Snowflake user_id, std::int64_t left_at_ms, DoneCallback done);
  [[nodiscard]] bool mark_joined(Snowflake user_id, DoneCallback done);
  // Deletes everything of users who left before now_ms - retention_ms. The listener
  // receives an empty pairs map for each purged user. Calls back with their count.
  [[nodiscard]] bool purge_expired(std::int64_t now_ms,
                                   std::function<void(Status, std::size_t)> done);

  // ---- presence::LastSeenSink ----------------------------------------------

  // Records the change in a per-user map (the latest value wins) that the worker
  // writes in one transaction before its next task. Never blocks on the database,
  // never refused; bounded by the number of distinct users.
  void last_seen_changed(Snowflake user_id, std::optional<std::int64_t> unix_ms) override;

  // Reports an operation its caller answered without the service (see
  // "Observation" above) to Options::on_operation. Any thread; never blocks.
  void report(Operation operation, Status status) const;

  // Waits until everything submitted before the call (last-seen changes included)
  // is committed. For shutdown paths and tests; never call it on a network thread.
  void flush();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- opening ---------------------------------------------------------------

struct StorageConfig {
  std::string sqlite_path;
  std::string secret_hex;  // KV_TOKEN_ENCRYPTION_SECRET
  int busy_timeout_ms = 5000;
  Service::Options service;
};

struct OpenServiceResult {
  std::unique_ptr<Service> service;  // null on failure
  std::string error;                 // one sentence for the operator (the app exits 2)
};

// Parses the secret, opens and migrates the database, and verifies that the secret
// decrypts a stored token (so a wrong secret fails the start instead of turning
// every authenticated request into a 401). Never throws; never puts the secret or a
// token into `error`.
OpenServiceResult open_service(const StorageConfig& config);

// The start-up check on its own: nullopt when the database holds no token or the
// cipher decrypts one of them, else the error sentence.
std::optional<std::string> verify_secret(Database& database, const TokenCipher& cipher);

}  // namespace lantern::storage
