#include "storage/mongo_import.h"

#include <boost/json.hpp>
#include <charconv>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include "storage/kv_rules.h"
#include "storage/sqlite_database.h"
#include "util/time.h"

namespace lantern::storage {
namespace {

namespace json = boost::json;

// Result of decoding one line: either something to write or a reason to skip it.
struct Skip {
  std::string reason;
};

std::optional<std::string_view> string_member(const json::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  if (!value || !value->is_string()) return std::nullopt;
  return std::string_view(value->get_string());
}

// Extended JSON dates: {"$date": "ISO"}, {"$date": {"$numberLong": "ms"}}, {"$date": ms}.
std::optional<std::int64_t> parse_date(const json::value& value) {
  const auto* object = value.if_object();
  if (!object) return std::nullopt;
  const auto* date = object->if_contains("$date");
  if (!date) return std::nullopt;
  if (date->is_string()) return parse_iso8601_ms(date->get_string());
  if (date->is_int64()) return date->get_int64();
  if (date->is_uint64()) return static_cast<std::int64_t>(date->get_uint64());
  if (const auto* inner = date->if_object()) {
    if (auto text = string_member(*inner, "$numberLong")) {
      std::int64_t ms = 0;
      const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), ms);
      if (ec == std::errc{} && end == text->data() + text->size()) return ms;
    }
  }
  return std::nullopt;
}

std::optional<Skip> import_user(Database& database, const json::object& doc,
                                ImportSummary& summary) {
  const auto id_text = string_member(doc, "id");
  const auto id = id_text ? parse_wire_snowflake(*id_text) : std::nullopt;
  if (!id) return Skip{"users document: \"id\" is not a user id string"};
  std::optional<std::int64_t> last_seen;
  if (const auto* field = doc.if_contains("lastSeenAt"); field && !field->is_null()) {
    last_seen = parse_date(*field);
    if (!last_seen) return Skip{"users document: \"lastSeenAt\" is not an Extended JSON date"};
  }
  database.set_last_seen({{*id, last_seen}});
  ++summary.users;
  return std::nullopt;
}

std::optional<Skip> import_storage(Database& database, const TokenCipher& cipher,
                                   const json::object& doc, ImportSummary& summary) {
  ImportedStorage storage;
  const auto id_text = string_member(doc, "userId");
  const auto id = id_text ? parse_wire_snowflake(*id_text) : std::nullopt;
  if (!id) return Skip{"keyvaluestorages document: \"userId\" is not a user id string"};
  storage.user_id = *id;

  const auto* token = doc.if_contains("token");
  const auto* token_object = token ? token->if_object() : nullptr;
  if (!token_object) return Skip{"keyvaluestorages document: \"token\" is missing"};
  const auto iv = string_member(*token_object, "iv");
  const auto text = string_member(*token_object, "encryptedText");
  const auto tag = string_member(*token_object, "tag");
  if (!iv || !text || !tag) {
    return Skip{"keyvaluestorages document: \"token\" needs string iv, encryptedText and tag"};
  }
  storage.token = {std::string(*iv), std::string(*text), std::string(*tag)};
  if (!cipher.decrypt(storage.token)) {
    return Skip{
        "the token does not decrypt with KV_TOKEN_ENCRYPTION_SECRET (wrong secret or "
        "damaged token)"};
  }

  if (const auto* kv = doc.if_contains("kv"); kv && !kv->is_null()) {
    const auto* pairs = kv->if_object();
    if (!pairs) return Skip{"keyvaluestorages document: \"kv\" is not an object"};
    if (pairs->size() > kMaxPairsPerUser) return Skip{std::string(kErrorStorageFull)};
    for (const auto& [key, value] : *pairs) {
      if (auto error = validate_key(key)) {
        return Skip{"key \"" + std::string(key) + "\": " + std::string(*error)};
      }
      if (!value.is_string()) {
        return Skip{"key \"" + std::string(key) + "\": " + std::string(kErrorValueRequired)};
      }
      if (auto error = validate_value(value.get_string())) {
        return Skip{"key \"" + std::string(key) + "\": " + std::string(*error)};
      }
      storage.pairs.emplace(std::string(key), std::string(value.get_string()));
    }
  }
  if (!database.import_storage(storage)) return Skip{std::string(kErrorStorageFull)};
  ++summary.storages;
  return std::nullopt;
}

std::optional<Skip> import_line(Database& database, const TokenCipher& cipher,
                                std::string_view line, ImportSummary& summary) {
  boost::system::error_code ec;
  json::value doc = json::parse(line, ec);
  if (ec) return Skip{"not valid JSON: " + ec.message()};
  const auto* object = doc.if_object();
  if (!object) return Skip{"not a JSON object (export one document per line, not --jsonArray)"};
  if (object->contains("userId")) return import_storage(database, cipher, *object, summary);
  if (object->contains("id")) return import_user(database, *object, summary);
  return Skip{"neither a users document (\"id\") nor a keyvaluestorages document (\"userId\")"};
}

}  // namespace

ImportSummary import_mongo_export(Database& database, const TokenCipher& cipher,
                                  std::istream& input) {
  ImportSummary summary;
  std::string line;
  std::size_t number = 0;
  while (std::getline(input, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) {
      ++summary.blank;
      continue;
    }
    if (auto skip = import_line(database, cipher, line, summary)) {
      summary.problems.push_back({number, std::move(skip->reason)});
    }
  }
  return summary;
}

int run_import_mongo(const StorageConfig& config, const std::vector<std::string>& files,
                     std::ostream& report) {
  const auto cipher = TokenCipher::from_hex_secret(config.secret_hex);
  if (!cipher) {
    report << "KV_TOKEN_ENCRYPTION_SECRET must be 64 hexadecimal characters (a 32-byte key).\n";
    return 2;
  }
  auto opened = open_sqlite_database({config.sqlite_path, config.busy_timeout_ms});
  if (!opened.database) {
    report << opened.error << "\n";
    return 2;
  }
  // Tokens already in the database must share the secret, or the import would mix
  // tokens that can never all authenticate.
  if (auto error = verify_secret(*opened.database, *cipher)) {
    report << *error << "\n";
    return 2;
  }
  ImportSummary total;
  for (const auto& file : files) {
    std::ifstream input(file, std::ios::binary);
    if (!input) {
      report << file << ": cannot be opened\n";
      return 2;
    }
    ImportSummary summary;
    try {
      summary = import_mongo_export(*opened.database, *cipher, input);
    } catch (const DatabaseError& e) {
      report << file << ": the database failed, stopping (re-run to complete): " << e.what()
             << "\n";
      return 2;
    }
    for (const auto& problem : summary.problems) {
      report << file << ":" << problem.line << ": " << problem.reason << "\n";
    }
    report << file << ": " << summary.users << " users, " << summary.storages
           << " storages imported, " << summary.problems.size() << " lines skipped\n";
    total.users += summary.users;
    total.storages += summary.storages;
    total.problems.insert(total.problems.end(), summary.problems.begin(), summary.problems.end());
  }
  report << "imported " << total.users << " users and " << total.storages << " storages; "
         << total.problems.size() << " lines skipped\n";
  return total.problems.empty() ? 0 : 1;
}

}  // namespace lantern::storage
