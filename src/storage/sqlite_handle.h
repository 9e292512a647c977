// RAII wrappers around the SQLite C API, used by sqlite_database.cpp (and tests that
// inspect a database file). Every failure throws DatabaseError carrying SQLite's
// message; callers inside the storage layer catch it at the Service boundary.
//
// Threading: a Connection and its Statements belong to one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/database.h"

namespace lantern::storage::sqlite {

class Connection {
 public:
  // Opens read-write, creating the file when missing. Throws DatabaseError.
  explicit Connection(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* get() const { return db_; }
  // Runs one or more statements without results. Throws DatabaseError.
  void exec(const char* sql);
  [[noreturn]] void fail(std::string_view what) const;

  // Group commit: an outer BEGIN IMMEDIATE inside which every Transaction becomes a
  // SAVEPOINT. Nothing is durable before commit_batch(). rollback_batch() never
  // throws.
  void begin_batch();
  void commit_batch();
  void rollback_batch() noexcept;
  bool in_batch() const { return in_batch_; }

 private:
  sqlite3* db_ = nullptr;
  bool in_batch_ = false;
};

// A prepared statement. Bind indices are 1-based, as in SQLite.
class Statement {
 public:
  Statement(Connection& connection, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind_null(int index);
  Statement& bind(int index, std::optional<std::int64_t> value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  // Advances; true while a row is available. Throws DatabaseError on failure.
  bool step();
  // Runs a statement without results to completion.
  void run() {
    while (step()) {
    }
  }
  // Clears bindings and rewinds, ready for reuse.
  void reset();

  std::int64_t column_int(int index) const;
  bool column_is_null(int index) const;
  std::string column_text(int index) const;

 private:
  Connection& connection_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() ran.
// IMMEDIATE takes the write lock at once, so a read-check-write sequence (the pair
// limit) cannot be interleaved by another connection.
// Inside a batch it is a SAVEPOINT instead (commit() releases it; destruction
// without commit() undoes only its own changes). If SQLite has already rolled the
// batch back (after an I/O error, for instance), construction throws rather than
// silently committing on its own.
class Transaction {
 public:
  explicit Transaction(Connection& connection);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& connection_;
  bool nested_ = false;
  bool done_ = false;
};

}  // namespace lantern::storage::sqlite
