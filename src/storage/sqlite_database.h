// The SQLite implementation of storage::Database.
//
// Connection settings (applied by open_sqlite_database):
//  * journal_mode=WAL: readers never block the writer, and a commit is one
//    sequential append to the WAL.
//  * synchronous=FULL: the WAL is fsynced at every commit. With WAL, NORMAL already
//    survives a process crash (kill -9) but may lose the last commits on power loss
//    or an OS crash; Lantern acknowledges a write only once it is durable, so FULL.
//  * foreign_keys=ON (pairs reference their user; deleting a user deletes them),
//    busy_timeout (another process holding the file, e.g. a backup, makes writes
//    wait instead of failing at once).
//
// Schema versions are tracked in PRAGMA user_version; migrations run at open, each
// in its own transaction together with the version bump, so a crash mid-migration
// leaves the previous version intact. Opening a file whose version is newer than
// this binary knows fails instead of guessing.
//
// Snowflakes are stored in INTEGER columns as the two's-complement int64 of the
// uint64 id (SQLite integers are signed); the conversion is lossless both ways.
#pragma once

#include <memory>
#include <string>

#include "storage/database.h"

namespace lantern::storage {

struct SqliteOptions {
  std::string path;  // file name; created when missing
  int busy_timeout_ms = 5000;
};

// The schema version this binary migrates to.
int sqlite_schema_version();

struct OpenDatabaseResult {
  std::unique_ptr<Database> database;  // null on failure
  std::string error;                   // one sentence when database is null
};

// Opens (creating if needed) and migrates the database. Never throws.
OpenDatabaseResult open_sqlite_database(const SqliteOptions& options);

}  // namespace lantern::storage
