#include "storage/service.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "storage/kv_rules.h"
#include "storage/sqlite_database.h"

namespace lantern::storage {
namespace {

const StoragePairsPtr& empty_pairs() {
  static const StoragePairsPtr empty = std::make_shared<const presence::StoragePairs>();
  return empty;
}

WriteResult from_outcome(WriteOutcome outcome) {
  switch (outcome) {
    case WriteOutcome::kOk:
      return {Status::kOk, {}};
    case WriteOutcome::kNoStorage:
      return {Status::kNoStorage, {}};
    case WriteOutcome::kNotFound:
      return {Status::kNotFound, {}};
    case WriteOutcome::kFull:
      return {Status::kFull, kErrorStorageFull};
  }
  return {Status::kError, {}};
}

// Runs a user callback; one that throws must not take the worker down.
template <typename Callback, typename... Args>
void invoke(const Callback& callback, Args&&... args) {
  if (!callback) return;
  try {
    callback(std::forward<Args>(args)...);
  } catch (const std::exception& e) {
    spdlog::error("storage: a completion callback threw: {}", e.what());
  } catch (...) {
    spdlog::error("storage: a completion callback threw");
  }
}

// Completion work (callbacks, listener notifications) collected while operations
// run, and released only once their transaction has committed.
using Completions = std::vector<std::function<void()>>;
// An operation: database work on the worker thread that appends its completions.
// It may run twice (see run_batch), so it copies rather than moves what it captured.
using Task = std::function<void(Completions&)>;

template <typename Callback, typename... Args>
void later(Completions& out, const Callback& callback, Args... args) {
  out.push_back(
      [callback, ... args = std::move(args)]() mutable { invoke(callback, std::move(args)...); });
}

// The outcome a completion callback is given: its first argument.
Status status_of(const WriteResult& result) {
  return result.status;
}
Status status_of(Status status) {
  return status;
}
template <typename First, typename... Rest>
Status first_status(const First& first, const Rest&...) {
  return status_of(first);
}

}  // namespace

static_assert(static_cast<std::size_t>(Operation::kPurgeExpired) + 1 == kOperationCount,
              "kOperationCount counts every Operation");

std::string_view operation_name(Operation operation) {
  switch (operation) {
    case Operation::kCreateOrReplaceToken:
      return "create_or_replace_token";
    case Operation::kGetToken:
      return "get_token";
    case Operation::kAuthenticate:
      return "authenticate";
    case Operation::kGetPairs:
      return "get_pairs";
    case Operation::kGetValue:
      return "get_value";
    case Operation::kPut:
      return "put";
    case Operation::kPatch:
      return "patch";
    case Operation::kDeleteKey:
      return "delete_key";
    case Operation::kClearPairs:
      return "clear_pairs";
    case Operation::kReset:
      return "reset";
    case Operation::kLoadAllLastSeen:
      return "load_all_last_seen";
    case Operation::kLoadAllPairs:
      return "load_all_pairs";
    case Operation::kMarkLeft:
      return "mark_left";
    case Operation::kMarkJoined:
      return "mark_joined";
    case Operation::kPurgeExpired:
      return "purge_expired";
  }
  return "unknown";
}

class Service::Impl {
 public:
  // Operations committed together at most; bounds the latency one batch adds.
  static constexpr std::size_t kMaxBatch = 256;

  Impl(std::unique_ptr<Database> database, TokenCipher cipher, Options options)
      : db_(std::move(database)), cipher_(std::move(cipher)), options_(options) {
    worker_ = std::thread([this] { run(); });
  }

  ~Impl() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    worker_.join();
  }

  // Enqueues `task` unless the queue is full (or `force`: internal work that must
  // not be refused).
  bool submit(Task task, bool force = false) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return false;
      if (!force && queue_.size() >= options_.queue_capacity) return false;
      queue_.push_back(std::move(task));
      last_seen_backoff_ = false;
    }
    wake_.notify_one();
    return true;
  }

  // submit() for an operation: a refusal is reported to the observer.
  bool submit(Operation operation, Task task) {
    if (submit(std::move(task))) return true;
    if (options_.on_operation) options_.on_operation(operation, std::nullopt);
    return false;
  }

  // `done`, preceded by telling the observer its outcome. The completion runs
  // only once its transaction committed, so each operation is reported once.
  template <typename... Args>
  std::function<void(Args...)> observed(Operation operation,
                                        std::function<void(Args...)> done) const {
    if (!options_.on_operation) return done;
    return [this, operation, done = std::move(done)](Args... args) {
      options_.on_operation(operation, first_status(args...));
      if (done) done(std::move(args)...);
    };
  }

  void last_seen_changed(Snowflake user_id, std::optional<std::int64_t> unix_ms) {
    {
      std::lock_guard lock(mutex_);
      pending_last_seen_[user_id] = unix_ms;
      last_seen_backoff_ = false;
    }
    wake_.notify_one();
  }

  // ---- helpers for operations, on the worker thread --------------------------

  // Queues the listener call with the user's pairs as they are now (inside the
  // operation's transaction, so exactly what the commit will make durable).
  void notify(Snowflake user_id, Completions& out) {
    if (!listener_) return;
    std::optional<presence::StoragePairs> pairs;
    try {
      pairs = db_->pairs(user_id);
    } catch (const DatabaseError& e) {
      // The write itself is fine; only the live view misses it until a restart.
      spdlog::error("storage: reading pairs of user {} after a write failed: {}", user_id,
                    e.what());
      return;
    }
    StoragePairsPtr ptr =
        pairs ? std::make_shared<const presence::StoragePairs>(std::move(*pairs)) : empty_pairs();
    later(out, listener_, user_id, std::move(ptr));
  }

  void write(Snowflake user_id, const char* what, const std::function<WriteOutcome()>& operation,
             const WriteCallback& done, Completions& out) {
    WriteResult result;
    try {
      result = from_outcome(operation());
    } catch (const DatabaseError& e) {
      spdlog::error("storage: {} for user {} failed: {}", what, user_id, e.what());
      later(out, done, WriteResult{Status::kError, {}});
      return;
    }
    if (result.status == Status::kOk) notify(user_id, out);
    later(out, done, result);
  }

  std::unique_ptr<Database> db_;
  TokenCipher cipher_;
  Options options_;
  ChangeListener listener_;

 private:
  void run() {
    for (;;) {
      std::vector<Task> batch;
      std::unordered_map<Snowflake, std::optional<std::int64_t>> last_seen;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] {
          return stopping_ || !queue_.empty() ||
                 (!pending_last_seen_.empty() && !last_seen_backoff_);
        });
        last_seen.swap(pending_last_seen_);
        while (!queue_.empty() && batch.size() < kMaxBatch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        if (batch.empty() && last_seen.empty() && stopping_) return;
      }
      if (!last_seen.empty()) write_last_seen(std::move(last_seen));
      if (!batch.empty()) run_batch(batch);
    }
  }

  // Group commit: the operations run in one transaction and their completions are
  // released after its COMMIT. If the batch cannot commit, nothing of it was
  // applied, and each operation runs again on its own so that only the ones that
  // really fail report an error.
  void run_batch(std::vector<Task>& tasks) {
    using Clock = std::chrono::steady_clock;
    if (tasks.size() > 1) {
      Completions completions;
      bool committed = false;
      try {
        const auto started = Clock::now();
        db_->begin_batch();
        for (auto& task : tasks) task(completions);
        db_->commit_batch();
        committed = true;
        observe(tasks.size(), Clock::now() - started);
      } catch (const DatabaseError& e) {
        db_->rollback_batch();
        spdlog::warn("storage: group commit of {} operations failed ({}); retrying one by one",
                     tasks.size(), e.what());
      }
      if (committed) {
        for (auto& completion : completions) completion();
        return;
      }
    }
    for (auto& task : tasks) {
      Completions completions;
      const auto started = Clock::now();
      task(completions);
      observe(1, Clock::now() - started);
      for (auto& completion : completions) completion();
    }
  }

  void observe(std::size_t operations, std::chrono::steady_clock::duration duration) const {
    if (options_.on_transaction) options_.on_transaction(operations, duration);
  }

  void write_last_seen(std::unordered_map<Snowflake, std::optional<std::int64_t>> changes) {
    std::vector<std::pair<Snowflake, std::optional<std::int64_t>>> batch(changes.begin(),
                                                                         changes.end());
    try {
      db_->set_last_seen(batch);
    } catch (const DatabaseError& e) {
      spdlog::error("storage: writing {} last-seen changes failed: {}", batch.size(), e.what());
      std::lock_guard lock(mutex_);
      if (stopping_) return;  // nothing left to retry with; the error is logged
      // Keep them for the next attempt unless a newer value arrived meanwhile, and
      // retry only when other work arrives so that a broken disk does not spin here.
      for (auto& [id, value] : changes) pending_last_seen_.try_emplace(id, value);
      last_seen_backoff_ = true;
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> queue_;
  std::unordered_map<Snowflake, std::optional<std::int64_t>> pending_last_seen_;
  bool last_seen_backoff_ = false;  // the last flush failed; wait for other work
  bool stopping_ = false;
  std::thread worker_;
};

Service::Service(std::unique_ptr<Database> database, TokenCipher cipher, Options options)
    : impl_(std::make_unique<Impl>(std::move(database), std::move(cipher), options)) {}

Service::~Service() = default;

void Service::set_change_listener(ChangeListener listener) {
  // Installed by the worker itself so that it never reads it mid-assignment.
  std::promise<void> installed;
  auto future = installed.get_future();
  auto shared = std::make_shared<ChangeListener>(std::move(listener));
  if (impl_->submit(
          [impl = impl_.get(), shared, &installed](Completions& out) {
            impl->listener_ = *shared;
            out.push_back([&installed] { installed.set_value(); });
          },
          true)) {
    future.wait();
  }
}

bool Service::create_or_replace_token(Snowflake user_id, TokenCallback done) {
  done = impl_->observed(Operation::kCreateOrReplaceToken, std::move(done));
  return impl_->submit(
      Operation::kCreateOrReplaceToken, [impl = impl_.get(), user_id, done](Completions& out) {
        std::string token = generate_token(user_id);
        try {
          impl->db_->set_token(user_id, impl->cipher_.encrypt(token));
        } catch (const DatabaseError& e) {
          spdlog::error("storage: saving a new token for user {} failed: {}", user_id, e.what());
          OPENSSL_cleanse(token.data(), token.size());
          return later(out, done, Status::kError, std::string());
        }
        later(out, done, Status::kOk, std::move(token));
      });
}

bool Service::get_token(Snowflake user_id, TokenCallback done) {
  done = impl_->observed(Operation::kGetToken, std::move(done));
  return impl_->submit(Operation::kGetToken, [impl = impl_.get(), user_id, done](Completions& out) {
    std::optional<EncryptedToken> stored;
    try {
      stored = impl->db_->token(user_id);
    } catch (const DatabaseError& e) {
      spdlog::error("storage: reading the token of user {} failed: {}", user_id, e.what());
      return later(out, done, Status::kError, std::string());
    }
    if (!stored) return later(out, done, Status::kNoStorage, std::string());
    auto plain = impl->cipher_.decrypt(*stored);
    if (!plain) {
      spdlog::error("storage: the stored token of user {} does not decrypt", user_id);
      return later(out, done, Status::kError, std::string());
    }
    later(out, done, Status::kOk, std::move(*plain));
  });
}

bool Service::authenticate(Snowflake user_id, std::string presented, DoneCallback done) {
  done = impl_->observed(Operation::kAuthenticate, std::move(done));
  return impl_->submit(
      Operation::kAuthenticate,
      [impl = impl_.get(), user_id, presented = std::move(presented), done](Completions& out) {
        std::optional<EncryptedToken> stored;
        try {
          stored = impl->db_->token(user_id);
        } catch (const DatabaseError& e) {
          spdlog::error("storage: reading the token of user {} failed: {}", user_id, e.what());
          return later(out, done, Status::kError);
        }
        if (!stored) return later(out, done, Status::kNoStorage);
        auto plain = impl->cipher_.decrypt(*stored);
        if (!plain) {
          spdlog::error("storage: the stored token of user {} does not decrypt", user_id);
          return later(out, done, Status::kUnauthorized);
        }
        const bool ok = !presented.empty() && constant_time_equal(presented, *plain);
        OPENSSL_cleanse(plain->data(), plain->size());
        later(out, done, ok ? Status::kOk : Status::kUnauthorized);
      });
}

bool Service::get_pairs(Snowflake user_id, PairsCallback done) {
  done = impl_->observed(Operation::kGetPairs, std::move(done));
  return impl_->submit(Operation::kGetPairs, [impl = impl_.get(), user_id, done](Completions& out) {
    std::optional<presence::StoragePairs> pairs;
    try {
      pairs = impl->db_->pairs(user_id);
    } catch (const DatabaseError& e) {
      spdlog::error("storage: reading pairs of user {} failed: {}", user_id, e.what());
      return later(out, done, Status::kError, StoragePairsPtr());
    }
    if (!pairs) return later(out, done, Status::kNoStorage, StoragePairsPtr());
    later(out, done, Status::kOk,
          StoragePairsPtr(std::make_shared<const presence::StoragePairs>(std::move(*pairs))));
  });
}

bool Service::get_value(Snowflake user_id, std::string key, ValueCallback done) {
  done = impl_->observed(Operation::kGetValue, std::move(done));
  if (validate_key(key)) {
    return impl_->submit(Operation::kGetValue, [done](Completions& out) {
      later(out, done, Status::kInvalid, std::string());
    });
  }
  return impl_->submit(Operation::kGetValue, [impl = impl_.get(), user_id, key = std::move(key),
                                              done](Completions& out) {
    std::optional<std::string> value;
    try {
      value = impl->db_->value(user_id, key);
    } catch (const DatabaseError& e) {
      spdlog::error("storage: reading a value of user {} failed: {}", user_id, e.what());
      return later(out, done, Status::kError, std::string());
    }
    if (!value) return later(out, done, Status::kNotFound, std::string());
    later(out, done, Status::kOk, std::move(*value));
  });
}

namespace {

std::optional<WriteResult> check_pair(std::string_view key, const std::string* value) {
  if (auto error = validate_key(key)) return WriteResult{Status::kInvalid, *error};
  if (value) {
    if (auto error = validate_value(*value)) return WriteResult{Status::kInvalid, *error};
  }
  return std::nullopt;
}

}  // namespace

bool Service::put(Snowflake user_id, std::string key, std::string value, WriteCallback done) {
  done = impl_->observed(Operation::kPut, std::move(done));
  if (auto invalid = check_pair(key, &value)) {
    return impl_->submit(Operation::kPut,
                         [r = *invalid, done](Completions& out) { later(out, done, r); });
  }
  return impl_->submit(Operation::kPut, [impl = impl_.get(), user_id, key = std::move(key),
                                         value = std::move(value), done](Completions& out) {
    impl->write(
        user_id, "put", [&] { return impl->db_->put(user_id, key, value, PutMode::kUpsert); }, done,
        out);
  });
}

bool Service::patch(Snowflake user_id, std::string key, std::string value, WriteCallback done) {
  done = impl_->observed(Operation::kPatch, std::move(done));
  if (auto invalid = check_pair(key, &value)) {
    return impl_->submit(Operation::kPatch,
                         [r = *invalid, done](Completions& out) { later(out, done, r); });
  }
  return impl_->submit(Operation::kPatch, [impl = impl_.get(), user_id, key = std::move(key),
                                           value = std::move(value), done](Completions& out) {
    impl->write(
        user_id, "patch",
        [&] { return impl->db_->put(user_id, key, value, PutMode::kOnlyExisting); }, done, out);
  });
}

bool Service::delete_key(Snowflake user_id, std::string key, WriteCallback done) {
  done = impl_->observed(Operation::kDeleteKey, std::move(done));
  if (auto invalid = check_pair(key, nullptr)) {
    return impl_->submit(Operation::kDeleteKey,
                         [r = *invalid, done](Completions& out) { later(out, done, r); });
  }
  return impl_->submit(Operation::kDeleteKey, [impl = impl_.get(), user_id, key = std::move(key),
                                               done](Completions& out) {
    impl->write(
        user_id, "delete", [&] { return impl->db_->erase(user_id, key); }, done, out);
  });
}

bool Service::clear_pairs(Snowflake user_id, WriteCallback done) {
  done = impl_->observed(Operation::kClearPairs, std::move(done));
  return impl_->submit(
      Operation::kClearPairs, [impl = impl_.get(), user_id, done](Completions& out) {
        impl->write(
            user_id, "clear", [&] { return impl->db_->clear_pairs(user_id); }, done, out);
      });
}

bool Service::reset(Snowflake user_id, WriteCallback done) {
  done = impl_->observed(Operation::kReset, std::move(done));
  return impl_->submit(Operation::kReset, [impl = impl_.get(), user_id, done](Completions& out) {
    impl->write(
        user_id, "reset", [&] { return impl->db_->reset(user_id); }, done, out);
  });
}

bool Service::load_all_last_seen(std::function<void(Status, LastSeenList)> done) {
  done = impl_->observed(Operation::kLoadAllLastSeen, std::move(done));
  return impl_->submit(Operation::kLoadAllLastSeen, [impl = impl_.get(), done](Completions& out) {
    try {
      later(out, done, Status::kOk, impl->db_->all_last_seen());
    } catch (const DatabaseError& e) {
      spdlog::error("storage: loading last-seen moments failed: {}", e.what());
      later(out, done, Status::kError, LastSeenList());
    }
  });
}

bool Service::load_all_pairs(std::function<void(Status, PairsList)> done) {
  done = impl_->observed(Operation::kLoadAllPairs, std::move(done));
  return impl_->submit(Operation::kLoadAllPairs, [impl = impl_.get(), done](Completions& out) {
    PairsList list;
    try {
      for (auto& [id, pairs] : impl->db_->all_pairs()) {
        list.emplace_back(id, std::make_shared<const presence::StoragePairs>(std::move(pairs)));
      }
    } catch (const DatabaseError& e) {
      spdlog::error("storage: loading pairs failed: {}", e.what());
      return later(out, done, Status::kError, PairsList());
    }
    later(out, done, Status::kOk, std::move(list));
  });
}

bool Service::mark_left(Snowflake user_id, std::int64_t left_at_ms, DoneCallback done) {
  done = impl_->observed(Operation::kMarkLeft, std::move(done));
  return impl_->submit(
      Operation::kMarkLeft, [impl = impl_.get(), user_id, left_at_ms, done](Completions& out) {
        try {
          impl->db_->set_left(user_id, left_at_ms);
        } catch (const DatabaseError& e) {
          spdlog::error("storage: recording that user {} left failed: {}", user_id, e.what());
          return later(out, done, Status::kError);
        }
        later(out, done, Status::kOk);
      });
}

bool Service::mark_joined(Snowflake user_id, DoneCallback done) {
  done = impl_->observed(Operation::kMarkJoined, std::move(done));
  return impl_->submit(
      Operation::kMarkJoined, [impl = impl_.get(), user_id, done](Completions& out) {
        try {
          impl->db_->set_left(user_id, std::nullopt);
        } catch (const DatabaseError& e) {
          spdlog::error("storage: recording that user {} joined failed: {}", user_id, e.what());
          return later(out, done, Status::kError);
        }
        later(out, done, Status::kOk);
      });
}

bool Service::purge_expired(std::int64_t now_ms, std::function<void(Status, std::size_t)> done) {
  done = impl_->observed(Operation::kPurgeExpired, std::move(done));
  return impl_->submit(
      Operation::kPurgeExpired, [impl = impl_.get(), now_ms, done](Completions& out) {
        std::vector<Snowflake> purged;
        try {
          purged = impl->db_->purge_left_before(now_ms - impl->options_.retention_ms);
        } catch (const DatabaseError& e) {
          spdlog::error("storage: purging expired storage failed: {}", e.what());
          return later(out, done, Status::kError, std::size_t{0});
        }
        if (!purged.empty()) {
          const std::size_t count = purged.size();
          out.push_back([count] {
            spdlog::info(
                "storage: purged the data of {} users who left before the retention period", count);
          });
        }
        if (impl->listener_) {
          for (Snowflake id : purged) later(out, impl->listener_, id, empty_pairs());
        }
        later(out, done, Status::kOk, purged.size());
      });
}

void Service::last_seen_changed(Snowflake user_id, std::optional<std::int64_t> unix_ms) {
  impl_->last_seen_changed(user_id, unix_ms);
}

void Service::report(Operation operation, Status status) const {
  if (impl_->options_.on_operation) impl_->options_.on_operation(operation, status);
}

void Service::flush() {
  std::promise<void> done;
  auto future = done.get_future();
  if (impl_->submit([&done](Completions& out) { out.push_back([&done] { done.set_value(); }); },
                    true)) {
    future.wait();
  }
}

// ---- opening -------------------------------------------------------------------

std::optional<std::string> verify_secret(Database& database, const TokenCipher& cipher) {
  std::optional<std::pair<Snowflake, EncryptedToken>> sample;
  try {
    sample = database.any_token();
  } catch (const DatabaseError& e) {
    return std::string("cannot read the stored tokens: ") + e.what();
  }
  if (!sample) return std::nullopt;
  auto plain = cipher.decrypt(sample->second);
  if (!plain) {
    return "KV_TOKEN_ENCRYPTION_SECRET does not decrypt the stored tokens (tried the token of "
           "user " +
           to_string(sample->first) +
           "); it is not the secret they were written with. Start with the original secret, "
           "or every token check would fail.";
  }
  OPENSSL_cleanse(plain->data(), plain->size());
  return std::nullopt;
}

OpenServiceResult open_service(const StorageConfig& config) {
  auto cipher = TokenCipher::from_hex_secret(config.secret_hex);
  if (!cipher) {
    return {nullptr,
            "KV_TOKEN_ENCRYPTION_SECRET must be 64 hexadecimal characters (a 32-byte key)."};
  }
  auto opened = open_sqlite_database({config.sqlite_path, config.busy_timeout_ms});
  if (!opened.database) return {nullptr, std::move(opened.error)};
  if (auto error = verify_secret(*opened.database, *cipher)) return {nullptr, std::move(*error)};
  return {std::make_unique<Service>(std::move(opened.database), std::move(*cipher), config.service),
          {}};
}

}  // namespace lantern::storage
