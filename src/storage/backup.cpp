#include "storage/backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <ostream>
#include <thread>
#include <vector>

namespace lantern::storage {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct CloseDatabase {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DatabasePtr = std::unique_ptr<sqlite3, CloseDatabase>;

BackupResult invalid(std::string error) {
  return {BackupStatus::kInvalid, std::move(error), 0};
}

BackupResult failed(std::string error) {
  return {BackupStatus::kFailed, std::move(error), 0};
}

std::string message_of(sqlite3* db, int rc) {
  return db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
}

// Runs `sql` and returns the first column of every row as text; nullopt when SQLite
// fails. `rc_out` (may be null) receives the last result code.
std::optional<std::vector<std::string>> query(sqlite3* db, const char* sql, int* rc_out) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
  std::vector<std::string> rows;
  while (rc == SQLITE_OK || rc == SQLITE_ROW) {
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      rows.emplace_back(text ? text : "");
    }
  }
  sqlite3_finalize(stmt);
  if (rc_out) *rc_out = rc;
  if (rc != SQLITE_DONE) return std::nullopt;
  return rows;
}

bool is_sqlite_file(const fs::path& path) {
  static constexpr std::array<char, 16> kMagic = {'S', 'Q', 'L', 'i', 't', 'e', ' ', 'f',
                                                  'o', 'r', 'm', 'a', 't', ' ', '3', '\0'};
  std::ifstream in(path, std::ios::binary);
  std::array<char, 16> header{};
  if (!in.read(header.data(), header.size())) return false;
  return header == kMagic;
}

bool same_file(const fs::path& a, const fs::path& b) {
  struct stat sa {};
  struct stat sb {};
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// fsync of a file or folder; false with errno set on failure.
bool sync_path(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return ok;
}

// The temporary copy and SQLite's side files for it; removed unless released.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() {
    if (path_.empty()) return;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((path_ + suffix).c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  std::string path_;
};

// Checks the paths; on success fills the absolute destination path.
std::optional<BackupResult> check_paths(const std::string& source_path,
                                        const std::string& destination_path,
                                        fs::path& destination) {
  std::error_code ec;
  if (source_path.empty()) return invalid("no database path is configured (database.path)");
  if (destination_path.empty()) return invalid("no backup file was given");

  const fs::file_status source_status = fs::status(source_path, ec);
  if (!fs::exists(source_status)) {
    return invalid("the database " + source_path + " does not exist (check database.path)");
  }
  if (fs::is_directory(source_status)) {
    return invalid("the database path " + source_path + " is a folder, not a SQLite file");
  }
  const fs::path source = fs::canonical(source_path, ec);
  if (ec) return invalid("cannot resolve the database path " + source_path + ": " + ec.message());

  destination = fs::absolute(destination_path, ec);
  if (ec)
    return invalid("cannot resolve the backup path " + destination_path + ": " + ec.message());
  if (!destination.has_filename()) {
    return invalid("the backup path " + destination_path + " names a folder; give a file name");
  }
  const fs::path folder = destination.parent_path();
  const fs::file_status folder_status = fs::status(folder, ec);
  if (!fs::exists(folder_status)) {
    return invalid("the folder " + folder.string() + " of the backup file does not exist");
  }
  if (!fs::is_directory(folder_status)) {
    return invalid(folder.string() +
                   " is not a folder, so the backup file cannot be created in it");
  }

  // weakly_canonical resolves symbolic links and ".." of the part that exists, so
  // "data/../data/lantern.db" and a link to the database are recognised too.
  const fs::path resolved = fs::weakly_canonical(destination, ec);
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    if (!ec && resolved == fs::path(source.string() + suffix)) {
      return invalid("refusing to write the backup over the live database " + source.string() +
                     (*suffix ? std::string(" (its ") + suffix + " file)" : std::string()) +
                     "; choose another file");
    }
  }
  const fs::file_status destination_status = fs::status(destination, ec);
  if (fs::exists(destination_status)) {
    if (same_file(destination, source)) {
      return invalid("refusing to write the backup over the live database " + source.string() +
                     " (" + destination_path + " is the same file); choose another file");
    }
    if (fs::is_directory(destination_status)) {
      return invalid("the backup path " + destination_path + " is a folder; give a file name");
    }
    if (fs::file_size(destination, ec) > 0 && !is_sqlite_file(destination)) {
      return invalid(destination_path +
                     " exists and is not a SQLite database; refusing to replace it");
    }
  }
  return std::nullopt;
}

// Steps the backup to the end. Returns the SQLite result code of the failure, or
// SQLITE_DONE.
int copy_pages(sqlite3_backup* backup, bool incremental, const BackupOptions& options) {
  const int step = incremental ? std::max(1, options.pages_per_step) : -1;
  std::optional<Clock::time_point> busy_since;
  for (;;) {
    const int rc = sqlite3_backup_step(backup, step);
    const int primary = rc & 0xff;
    if (primary == SQLITE_DONE) return SQLITE_DONE;
    if (primary == SQLITE_OK) {
      busy_since.reset();
      if (options.on_step) {
        options.on_step(sqlite3_backup_remaining(backup), sqlite3_backup_pagecount(backup));
      }
      if (incremental && options.pause_ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(options.pause_ms));
      }
      continue;
    }
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
      const auto now = Clock::now();
      if (!busy_since) busy_since = now;
      if (now - *busy_since > std::chrono::milliseconds(options.busy_timeout_ms)) return rc;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    return rc;
  }
}

}  // namespace

BackupResult backup_database(const std::string& source_path, const std::string& destination_path,
                             const BackupOptions& options) {
  fs::path destination;
  if (auto refused = check_paths(source_path, destination_path, destination)) return *refused;
  const fs::path folder = destination.parent_path();

  // ---- the source: one read transaction = the snapshot ----------------------
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(source_path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  DatabasePtr source(raw);
  if (rc != SQLITE_OK) {
    return invalid("cannot open the database " + source_path + ": " + message_of(raw, rc));
  }
  sqlite3_busy_timeout(source.get(), options.busy_timeout_ms);
  if (!query(source.get(), "BEGIN", &rc) ||
      !query(source.get(), "SELECT count(*) FROM sqlite_schema", &rc)) {
    if ((rc & 0xff) == SQLITE_NOTADB) {
      return invalid(source_path + " is not a SQLite database (check database.path)");
    }
    return failed("cannot read the database " + source_path + ": " + sqlite3_errmsg(source.get()));
  }
  const auto mode = query(source.get(), "PRAGMA journal_mode", &rc);
  const bool wal = mode && !mode->empty() && mode->front() == "wal";

  // ---- the destination: a temporary file beside it ---------------------------
  std::string temp_name =
      (folder / ("." + destination.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = ::mkstemp(temp_name.data());
  if (fd < 0) {
    const int error = errno;
    std::string sentence =
        "cannot create a file in " + folder.string() + ": " + std::strerror(error);
    if (error == EACCES || error == EPERM || error == EROFS) return invalid(std::move(sentence));
    return failed(std::move(sentence));
  }
  ::close(fd);
  TempFile temp(temp_name);

  raw = nullptr;
  rc = sqlite3_open_v2(temp.path().c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                       nullptr);
  DatabasePtr copy(raw);
  if (rc != SQLITE_OK) {
    return failed("cannot open the temporary file " + temp.path() + ": " + message_of(raw, rc));
  }
  sqlite3_busy_timeout(copy.get(), options.busy_timeout_ms);
  // Nobody else sees the temporary file and a crash leaves it unused, so it needs
  // neither a journal nor SQLite's syncs: one fsync before the rename suffices.
  if (!query(copy.get(), "PRAGMA journal_mode=OFF", &rc) ||
      !query(copy.get(), "PRAGMA synchronous=OFF", &rc)) {
    return failed("cannot prepare the temporary file " + temp.path() + ": " +
                  sqlite3_errmsg(copy.get()));
  }

  // ---- copy ----------------------------------------------------------------
  sqlite3_backup* backup = sqlite3_backup_init(copy.get(), "main", source.get(), "main");
  if (!backup) {
    return failed("cannot start the backup: " + std::string(sqlite3_errmsg(copy.get())));
  }
  const int step_rc = copy_pages(backup, wal, options);
  const int finish_rc = sqlite3_backup_finish(backup);
  query(source.get(), "COMMIT", nullptr);  // ends the snapshot; nothing was written
  source.reset();
  if (step_rc != SQLITE_DONE || finish_rc != SQLITE_OK) {
    const int code = (step_rc != SQLITE_DONE ? step_rc : finish_rc) & 0xff;
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
      return failed("the database stayed locked for more than " +
                    std::to_string(options.busy_timeout_ms / 1000) + " s; try again");
    }
    if (code == SQLITE_FULL) return failed("the disk of " + folder.string() + " is full");
    return failed("copying the database failed: " + std::string(step_rc != SQLITE_DONE
                                                                    ? sqlite3_errstr(step_rc)
                                                                    : sqlite3_errmsg(copy.get())));
  }

  // ---- make it a self-contained file and check it ----------------------------
  // The copy carries the source's WAL flag in its header; DELETE mode makes it one
  // file that can be copied, mailed or restored on its own.
  const auto new_mode = query(copy.get(), "PRAGMA journal_mode=DELETE", &rc);
  if (!new_mode || new_mode->empty() || new_mode->front() != "delete") {
    return failed("cannot finish the copy " + temp.path() + ": " + sqlite3_errmsg(copy.get()));
  }
  const auto check = query(copy.get(), "PRAGMA integrity_check", &rc);
  if (!check) {
    return failed("cannot check the copy: " + std::string(sqlite3_errmsg(copy.get())));
  }
  if (check->size() != 1 || check->front() != "ok") {
    return failed("the copy fails PRAGMA integrity_check, so the live database is probably " +
                  std::string("damaged: ") + (check->empty() ? "no result" : check->front()) +
                  (check->size() > 1 ? " (and " + std::to_string(check->size() - 1) + " more)"
                                     : std::string()));
  }
  if (sqlite3_close(copy.release()) != SQLITE_OK) {
    return failed("cannot close the copy " + temp.path());
  }

  // ---- publish atomically ------------------------------------------------------
  if (!sync_path(temp.path(), false)) {
    return failed("cannot write the copy to disk (fsync): " + std::string(std::strerror(errno)));
  }
  std::error_code ec;
  const std::uint64_t bytes = fs::file_size(temp.path(), ec);
  if (::rename(temp.path().c_str(), destination.c_str()) != 0) {
    return failed("cannot rename the copy to " + destination.string() + ": " +
                  std::strerror(errno));
  }
  temp.release();
  if (!sync_path(folder, true)) {
    return failed("the backup " + destination.string() +
                  " is written, but its folder could not be synced: " + std::strerror(errno));
  }
  return {BackupStatus::kOk, {}, bytes};
}

int backup_exit_code(const BackupResult& result) {
  switch (result.status) {
    case BackupStatus::kOk:
      return 0;
    case BackupStatus::kFailed:
      return 1;
    case BackupStatus::kInvalid:
      return 2;
  }
  return 1;
}

int run_backup(const std::string& database_path, const std::string& destination_path,
               std::ostream& report) {
  const BackupResult result = backup_database(database_path, destination_path);
  if (result.ok()) {
    report << "lantern: backed up " << database_path << " to " << destination_path << " ("
           << result.bytes << " bytes, integrity ok)\n";
  } else {
    report << "lantern: backup failed: " << result.error << "\n";
  }
  return backup_exit_code(result);
}

}  // namespace lantern::storage
