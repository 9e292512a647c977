// `lantern import-mongo FILE...`: migration from the original Lantern's MongoDB.
//
// Input: mongoexport output, one Extended JSON document per line (relaxed or
// canonical mode), of the collections
//   users             {"id": "<snowflake>", "lastSeenAt": {"$date": ...} | null, ...}
//   keyvaluestorages  {"userId": "<snowflake>",
//                      "token": {"iv": "<hex>", "encryptedText": "<hex>", "tag": "<hex>"},
//                      "kv": {"<key>": "<value>", ...}, ...}
// The collection of each line is recognised from its fields, so files may be given
// in any order or even concatenated. `$date` may be an ISO-8601 string, a
// {"$numberLong": "<ms>"} object or a plain number of milliseconds.
//
// Upserts: a users line sets last_seen_at; a keyvaluestorages line replaces the
// user's token and pairs with the exported ones. Re-running an import therefore
// leaves the same state (it is meant to run once, before Lantern goes live: a pair
// changed in Lantern since is overwritten by the exported value).
//
// A line that is not valid JSON, has no recognisable shape, breaks a key-value rule
// (kv_rules.h) or whose token the given cipher cannot decrypt is reported with its
// line number and skipped; the other lines are imported. Reasons never contain
// token material.
//
// Threading: synchronous; uses `database` from the calling thread only. Run it
// while no Service owns the same database object.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

#include "storage/crypto.h"
#include "storage/database.h"
#include "storage/service.h"

namespace lantern::storage {

struct ImportProblem {
  std::size_t line = 0;  // 1-based
  std::string reason;
};

struct ImportSummary {
  std::size_t users = 0;                // users lines imported
  std::size_t storages = 0;             // keyvaluestorages lines imported
  std::size_t blank = 0;                // empty lines, ignored
  std::vector<ImportProblem> problems;  // skipped lines
};

// Imports every line of `input`. `cipher` checks each token (a token it cannot
// decrypt would never authenticate). A DatabaseError from the database aborts the
// import and propagates: the caller reports it and exits non-zero; lines imported
// so far stay imported and a re-run completes the rest.
ImportSummary import_mongo_export(Database& database, const TokenCipher& cipher,
                                  std::istream& input);

// The whole `lantern import-mongo FILE...` command for app/: checks the secret,
// opens (and migrates) the database named in `config`, imports every file in
// order and writes a human report to `report`: one "FILE:LINE: reason" line per
// skipped line, then the totals. Returns the exit code: 0 when every line was
// imported, 1 when some lines were skipped, 2 when the secret, the database or a
// file could not be used. Lantern reads storage at start: restart a running server
// afterwards (or import before its first start).
int run_import_mongo(const StorageConfig& config, const std::vector<std::string>& files,
                     std::ostream& report);

}  // namespace lantern::storage
