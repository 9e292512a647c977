#include "storage/sqlite_handle.h"

namespace lantern::storage::sqlite {

Connection::Connection(const std::string& path) {
  const int rc =
      sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = "cannot open SQLite database " + path + ": " +
                          (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close(db_);
    db_ = nullptr;
    throw DatabaseError(message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Connection::~Connection() {
  // Statements are finalized by their owners first (members declared after the
  // connection); close_v2 tolerates stragglers anyway.
  sqlite3_close_v2(db_);
}

void Connection::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw DatabaseError("SQLite: " + message);
  }
}

void Connection::fail(std::string_view what) const {
  throw DatabaseError("SQLite " + std::string(what) + ": " + sqlite3_errmsg(db_));
}

Statement::Statement(Connection& connection, const char* sql) : connection_(connection) {
  if (sqlite3_prepare_v3(connection.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) !=
      SQLITE_OK) {
    connection.fail("prepare");
  }
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) connection_.fail("bind");
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  if (sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                          SQLITE_UTF8) != SQLITE_OK) {
    connection_.fail("bind");
  }
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) connection_.fail("bind");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // Rewind so the statement is reusable after the transaction rolls back.
  const std::string message = sqlite3_errmsg(connection_.get());
  sqlite3_reset(stmt_);
  throw DatabaseError("SQLite step: " + message);
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::column_int(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

std::string Statement::column_text(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  const int size = sqlite3_column_bytes(stmt_, index);
  return text ? std::string(text, static_cast<std::size_t>(size)) : std::string();
}

void Connection::begin_batch() {
  exec("BEGIN IMMEDIATE");
  in_batch_ = true;
}

void Connection::commit_batch() {
  in_batch_ = false;
  if (sqlite3_get_autocommit(db_)) throw DatabaseError("SQLite: the batch was rolled back");
  exec("COMMIT");
}

void Connection::rollback_batch() noexcept {
  in_batch_ = false;
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Transaction::Transaction(Connection& connection) : connection_(connection) {
  if (connection_.in_batch()) {
    if (sqlite3_get_autocommit(connection_.get())) {
      throw DatabaseError("SQLite: the batch transaction was rolled back");
    }
    connection_.exec("SAVEPOINT op");
    nested_ = true;
  } else {
    connection_.exec("BEGIN IMMEDIATE");
  }
}

Transaction::~Transaction() {
  if (done_) return;
  sqlite3* db = connection_.get();
  if (nested_) {
    if (!sqlite3_get_autocommit(db)) {
      sqlite3_exec(db, "ROLLBACK TO op", nullptr, nullptr, nullptr);
      sqlite3_exec(db, "RELEASE op", nullptr, nullptr, nullptr);
    }
  } else if (!sqlite3_get_autocommit(db)) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  connection_.exec(nested_ ? "RELEASE op" : "COMMIT");
  done_ = true;
}

}  // namespace lantern::storage::sqlite
