// `lantern backup FILE`: a consistent copy of the live SQLite database, taken while
// the server keeps running.
//
// How the copy is made
//  * SQLite's online backup API (sqlite3_backup_init/step/finish) copies the source
//    page by page into a temporary file in the destination's folder
//    (".<name>.tmp-XXXXXX", mode 0600).
//  * The source connection opens one read transaction before the first page and
//    keeps it until the last, so the copy is the database exactly as it was at that
//    moment: every transaction committed before the backup began is in it, none that
//    committed later is, and nothing is torn. With journal_mode=WAL (what Lantern
//    uses) a reader never blocks the writer: the server keeps committing during the
//    backup; its WAL merely cannot be checkpointed past our snapshot until the copy
//    is done. (Without that transaction the backup API restarts from page one every
//    time another connection writes, and may never finish under a steady write load.)
//  * Pages are copied in steps (BackupOptions::pages_per_step) with a short pause
//    between steps, so the copy does not monopolise the disk the server commits to.
//    A source not in WAL mode would be blocked for writes while the read transaction
//    lasts, so it is copied in a single step without pauses.
//  * The copy is switched to journal_mode=DELETE (one self-contained file, no -wal to
//    carry along), checked with PRAGMA integrity_check, fsynced, renamed over the
//    destination (atomic: a reader of FILE sees the old backup or the new one, never
//    half of one) and the folder is fsynced so the rename itself is durable.
//  * On any failure the temporary file is removed and the destination is untouched.
//    (A process killed mid-copy leaves its ".<name>.tmp-XXXXXX" behind, never a
//    partial FILE; it is safe to delete.)
//
// What is refused (BackupStatus::kInvalid, exit status 2)
//  * a source that does not exist or is not a SQLite database;
//  * a destination that is the source itself (by path after resolving symbolic links
//    and "..", or by inode for hard links) or one of its -wal, -shm, -journal files;
//  * a destination whose folder does not exist, or that is a folder;
//  * an existing destination that is not a SQLite database (a mistyped argument must
//    not replace config.toml). An existing SQLite file (an older backup) is replaced.
//
// The source is opened read-write (never created) but only read. A read-only
// connection would leave -wal and -shm files behind when no server is running; a
// read-write one removes them on close like the server does. Run the backup as the
// user the server runs as, so any such file it creates has the right owner.
//
// Threading: synchronous; call it from any thread that may block (the CLI). Several
// backups may run at once; each uses its own connections.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>

namespace lantern::storage {

enum class BackupStatus : std::uint8_t {
  kOk,
  kInvalid,  // a usage error: bad source or destination path (exit status 2)
  kFailed,   // the copy or its check failed: I/O error, disk full, busy, corrupt (exit 1)
};

struct BackupResult {
  BackupStatus status = BackupStatus::kOk;
  std::string error;        // one sentence for the operator; empty on success
  std::uint64_t bytes = 0;  // size of the copy on success
  bool ok() const { return status == BackupStatus::kOk; }
};

struct BackupOptions {
  // Pages per sqlite3_backup_step (4 MiB at SQLite's default 4 KiB page size).
  int pages_per_step = 1024;
  // Pause between steps, in milliseconds.
  int pause_ms = 5;
  // How long a locked source or destination is waited for in total before giving up.
  int busy_timeout_ms = 30000;
  // Called after every step that left pages to copy (not after the last), on the
  // calling thread, while the snapshot's read transaction is open. For progress
  // output and tests; may be empty.
  std::function<void(int remaining_pages, int total_pages)> on_step;
};

// Copies the database at `source_path` to `destination_path` as described above.
// Never throws (allocation failure aside).
BackupResult backup_database(const std::string& source_path, const std::string& destination_path,
                             const BackupOptions& options = {});

// The exit status for a result: 0 kOk, 1 kFailed, 2 kInvalid.
int backup_exit_code(const BackupResult& result);

// The whole `lantern backup FILE` command for app/: backs up `database_path` (the
// configured database.path) to `destination_path` and writes one line to `report`:
// "lantern: backed up SRC to DST (N bytes, integrity ok)" or "lantern: backup failed: ...".
// Returns backup_exit_code() of the result.
int run_backup(const std::string& database_path, const std::string& destination_path,
               std::ostream& report);

}  // namespace lantern::storage
