#include "app/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <charconv>
#include <cmath>
#include <fstream>

extern char** environ;

namespace lantern::app {
namespace {

const std::vector<std::string> kLogLevels = {"trace", "debug",    "info", "warn",
                                             "error", "critical", "off"};

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return std::string(text.substr(first, last - first + 1));
}

Snowflake require_snowflake(const std::string& key, const toml::node& node) {
  if (auto text = node.value<std::string>()) {
    if (auto id = parse_api_snowflake(*text)) return *id;
  } else if (auto number = node.value<std::int64_t>(); number && *number > 0) {
    if (auto id = parse_api_snowflake(std::to_string(*number))) return *id;
  }
  throw ConfigError(key, "must be a Discord id (a string of 17-20 digits)");
}

template <typename Int>
Int require_int(const std::string& key, const toml::node& node, std::int64_t min,
                std::int64_t max) {
  auto number = node.value_exact<std::int64_t>();
  if (!number || *number < min || *number > max) {
    throw ConfigError(key, fmt::format("must be an integer from {} to {}", min, max));
  }
  return static_cast<Int>(*number);
}

double require_rate(const std::string& key, const toml::node& node) {
  auto number = node.value<double>();  // an integer is accepted too
  if (!number || !std::isfinite(*number) || *number <= 0 || *number > 1'000'000) {
    throw ConfigError(key, "must be a number above 0 and at most 1000000");
  }
  return *number;
}

bool require_bool(const std::string& key, const toml::node& node) {
  auto value = node.value_exact<bool>();
  if (!value) throw ConfigError(key, "must be true or false");
  return *value;
}

std::string require_string(const std::string& key, const toml::node& node) {
  auto value = node.value_exact<std::string>();
  if (!value) throw ConfigError(key, "must be a string");
  return *value;
}

// server.trusted_proxies: a non-empty array of addresses and CIDR ranges.
http::TrustedProxies require_proxies(const std::string& key, const toml::node& node) {
  const auto* array = node.as_array();
  if (!array || array->empty()) {
    throw ConfigError(key,
                      "must be a non-empty array of IP addresses or CIDR ranges, like "
                      "[\"127.0.0.1\", \"10.0.0.0/8\", \"::1\"] (leave the key out for the "
                      "default: loopback and the private networks)");
  }
  http::TrustedProxies proxies;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto text = (*array)[i].value_exact<std::string>();
    if (!text) throw ConfigError(key, fmt::format("entry {} must be a string", i + 1));
    if (!proxies.add(*text)) {
      throw ConfigError(key, fmt::format("entry {} (\"{}\") is not an IP address or a CIDR range "
                                         "like \"10.0.0.0/8\" or \"2001:db8::/32\"",
                                         i + 1, *text));
    }
  }
  return proxies;
}

// Visits a table, rejecting keys we do not know: a typo in a key must not be
// silently ignored.
template <typename Fn>
void for_each_key(const toml::table& table, const std::string& prefix, Fn&& fn) {
  for (const auto& [key, node] : table) {
    const std::string full =
        prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    if (!fn(std::string(key.str()), full, node)) throw ConfigError(full, "unknown key");
  }
}

const toml::table& require_table(const std::string& key, const toml::node& node) {
  const auto* table = node.as_table();
  if (!table) throw ConfigError(key, "must be a table");
  return *table;
}

void read_socket(const toml::table& table, SocketConfig& out) {
  for_each_key(
      table, "server.socket",
      [&](const std::string& key, const std::string& full, const toml::node& node) {
        if (key == "heartbeat_interval") {
          out.heartbeat_interval_ms = require_int<std::int64_t>(full, node, 1000, 3'600'000);
        } else if (key == "init_timeout") {
          out.init_timeout_ms = require_int<std::int64_t>(full, node, 100, 600'000);
        } else if (key == "maxpayload") {
          out.max_payload = require_int<std::size_t>(full, node, 64, 16 * 1024 * 1024);
        } else if (key == "inbound_frames_per_minute") {
          out.inbound_frames_per_minute = require_int<int>(full, node, 1, 1'000'000);
        } else if (key == "max_ids_per_session") {
          out.max_ids_per_session = require_int<std::size_t>(full, node, 1, 1'000'000);
        } else if (key == "max_sessions_per_address") {
          out.max_sessions_per_address = require_int<std::size_t>(full, node, 1, 1'000'000);
        } else if (key == "max_backlog_bytes") {
          out.max_backlog_bytes = require_int<std::size_t>(full, node, 4096, 1LL << 32);
        } else if (key == "max_backlog_frames") {
          out.max_backlog_frames = require_int<std::size_t>(full, node, 1, 1'000'000);
        } else {
          return false;
        }
        return true;
      });
}

void read_rate_limit(const toml::table& table, RateLimitConfig& out) {
  for_each_key(table, "server.rate_limit",
               [&](const std::string& key, const std::string& full, const toml::node& node) {
                 if (key == "enabled") {
                   out.enabled = require_bool(full, node);
                 } else if (key == "requests_per_second") {
                   out.requests_per_second = require_rate(full, node);
                 } else if (key == "burst") {
                   out.burst = require_int<std::size_t>(full, node, 1, 1'000'000);
                 } else if (key == "max_addresses") {
                   out.max_addresses = require_int<std::size_t>(full, node, 16, 10'000'000);
                 } else {
                   return false;
                 }
                 return true;
               });
}

void read_server(const toml::table& table, ServerConfig& server, SocketConfig& socket) {
  for_each_key(table, "server",
               [&](const std::string& key, const std::string& full, const toml::node& node) {
                 if (key == "port") {
                   server.port = require_int<std::uint16_t>(full, node, 0, 65535);
                 } else if (key == "bind") {
                   server.bind = require_string(full, node);
                 } else if (key == "threads") {
                   server.threads = require_int<int>(full, node, 0, 256);
                 } else if (key == "trust_proxy") {
                   server.trust_proxy = require_bool(full, node);
                 } else if (key == "trusted_proxies") {
                   server.trusted_proxies = require_proxies(full, node);
                   server.trusted_proxies_configured = true;
                 } else if (key == "socket") {
                   read_socket(require_table(full, node), socket);
                 } else if (key == "rate_limit") {
                   read_rate_limit(require_table(full, node), server.rate_limit);
                 } else {
                   return false;
                 }
                 return true;
               });
}

// The member of card::Theme a [user_svg_card.colors.<theme>] key names.
std::string* theme_field(card::Theme& theme, std::string_view name) {
  static const std::pair<std::string_view, std::string card::Theme::*> kFields[] = {
      {"background", &card::Theme::background},
      {"border", &card::Theme::border},
      {"text", &card::Theme::text},
      {"secondary_text", &card::Theme::secondary_text},
      {"separator", &card::Theme::separator},
      {"status_online", &card::Theme::status_online},
      {"status_idle", &card::Theme::status_idle},
      {"status_dnd", &card::Theme::status_dnd},
      {"status_offline", &card::Theme::status_offline},
      {"tag_background", &card::Theme::tag_background},
      {"tag_text", &card::Theme::tag_text},
      {"progress_track", &card::Theme::progress_track},
      {"progress_fill", &card::Theme::progress_fill},
      {"image_background", &card::Theme::image_background},
  };
  for (const auto& [key, member] : kFields) {
    if (key == name) return &(theme.*member);
  }
  return nullptr;
}

void read_card_colors(const toml::table& table, Config& config) {
  for_each_key(
      table, "user_svg_card",
      [&](const std::string& key, const std::string& full, const toml::node& node) {
        if (key != "colors") return false;
        for_each_key(
            require_table(full, node), full,
            [&](const std::string& theme_name, const std::string& theme_key,
                const toml::node& theme_node) {
              if (theme_name != "dark" && theme_name != "light") return false;
              card::Theme& theme =
                  theme_name == "dark" ? config.card_themes.dark : config.card_themes.light;
              for_each_key(require_table(theme_key, theme_node), theme_key,
                           [&](const std::string& name, const std::string& color_key,
                               const toml::node& color) {
                             std::string* field = theme_field(theme, name);
                             if (!field) return false;
                             *field = require_string(color_key, color);
                             if (!card::is_valid_color(*field)) {
                               throw ConfigError(color_key, "must be a colour like \"#1a2b3c\"");
                             }
                             return true;
                           });
              return true;
            });
        return true;
      });
}

void read_simple_section(const toml::table& root, Config& config) {
  for_each_key(
      root, "", [&](const std::string& key, const std::string& full, const toml::node& node) {
        if (key == "base_guild_id") {
          config.base_guild_id = require_snowflake(full, node);
        } else if (key == "max_bulk_get_users_size") {
          config.max_bulk_get_users_size = require_int<std::size_t>(full, node, 1, 1000);
        } else if (key == "bypass_command_permissions_check") {
          const auto* array = node.as_array();
          if (!array) throw ConfigError(full, "must be an array of Discord ids");
          for (const auto& item : *array) {
            config.bypass_command_permissions_check.push_back(require_snowflake(full, item));
          }
        } else if (key == "server") {
          read_server(require_table(full, node), config.server, config.socket);
        } else if (key == "discord") {
          for_each_key(require_table(full, node), full,
                       [&](const std::string& k, const std::string& f, const toml::node& n) {
                         if (k != "api_base") return false;
                         config.discord.api_base = require_string(f, n);
                         return true;
                       });
        } else if (key == "database") {
          for_each_key(require_table(full, node), full,
                       [&](const std::string& k, const std::string& f, const toml::node& n) {
                         if (k == "path") {
                           config.database.path = require_string(f, n);
                         } else if (k == "retention_days") {
                           config.database.retention_days = require_int<int>(f, n, 0, 36500);
                         } else {
                           return false;
                         }
                         return true;
                       });
        } else if (key == "log") {
          for_each_key(require_table(full, node), full,
                       [&](const std::string& k, const std::string& f, const toml::node& n) {
                         if (k == "level") {
                           config.log.level = require_string(f, n);
                         } else if (k == "json") {
                           config.log.json = require_bool(f, n);
                         } else if (k == "access") {
                           config.log.access = require_bool(f, n);
                         } else {
                           return false;
                         }
                         return true;
                       });
        } else if (key == "user_svg_card") {
          read_card_colors(require_table(full, node), config);
        } else {
          return false;
        }
        return true;
      });
}

std::optional<std::string> lookup(const Environment& env, const std::string& name) {
  auto it = env.find(name);
  if (it == env.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

void apply_environment(const Environment& env, Config& config) {
  if (auto token = lookup(env, "DISCORD_BOT_TOKEN")) config.discord.token = *token;
  if (auto secret = lookup(env, "KV_TOKEN_ENCRYPTION_SECRET")) {
    config.kv_token_encryption_secret = *secret;
  }
  if (auto path = lookup(env, "LANTERN_DATABASE")) config.database.path = *path;
  if (auto base = lookup(env, "LANTERN_API_BASE")) config.discord.api_base = *base;
  if (auto level = lookup(env, "LANTERN_LOG_LEVEL")) config.log.level = *level;
  if (auto bind = lookup(env, "LANTERN_BIND")) config.server.bind = *bind;
  if (auto port = lookup(env, "LANTERN_PORT")) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port->data(), port->data() + port->size(), value);
    if (ec != std::errc{} || end != port->data() + port->size() || value > 65535) {
      throw ConfigError("LANTERN_PORT", "must be a port number from 0 to 65535");
    }
    config.server.port = static_cast<std::uint16_t>(value);
  }
  if (auto guild = lookup(env, "LANTERN_BASE_GUILD_ID")) {
    auto id = parse_api_snowflake(*guild);
    if (!id) throw ConfigError("LANTERN_BASE_GUILD_ID", "must be a Discord id (17-20 digits)");
    config.base_guild_id = *id;
  }
}

void validate(const Config& config) {
  if (std::find(kLogLevels.begin(), kLogLevels.end(), config.log.level) == kLogLevels.end()) {
    throw ConfigError("log.level", "must be one of trace, debug, info, warn, error, critical, off");
  }
  const auto url = boost::urls::parse_absolute_uri(config.discord.api_base);
  if (!url || (url->scheme() != "https" && url->scheme() != "http") || url->host().empty()) {
    throw ConfigError("discord.api_base", "must be an http:// or https:// URL");
  }
  const auto& secret = config.kv_token_encryption_secret;
  if (!secret.empty()) {
    const bool hex = secret.size() == 64 &&
                     secret.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
    if (!hex) throw ConfigError("KV_TOKEN_ENCRYPTION_SECRET", "must be 64 hexadecimal characters");
  }
  if (config.database.path.empty()) throw ConfigError("database.path", "must not be empty");
}

}  // namespace

Environment process_environment() {
  Environment env;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view text(*entry);
    const auto eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return env;
}

void load_dotenv(const std::string& path, Environment& env) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::string text = trim(line);
    if (text.empty() || text.front() == '#') continue;
    if (text.starts_with("export ")) text = trim(text.substr(7));
    const auto eq = text.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(text.substr(0, eq));
    std::string value = trim(text.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else if (const auto hash = value.find(" #"); hash != std::string::npos) {
      value = trim(value.substr(0, hash));
    }
    env.emplace(std::move(key), std::move(value));  // existing variables win
  }
}

Config load_config(const std::optional<std::string>& toml_path, const Environment& env) {
  Config config;
  if (toml_path) {
    toml::table root;
    try {
      root = toml::parse_file(*toml_path);
    } catch (const toml::parse_error& error) {
      const auto& where = error.source().begin;
      throw ConfigError(*toml_path, fmt::format("line {}, column {}: {}", where.line, where.column,
                                                error.description()));
    }
    read_simple_section(root, config);
  }
  apply_environment(env, config);
  validate(config);
  return config;
}

void require_serve_settings(const Config& config) {
  if (config.base_guild_id == 0) {
    throw ConfigError("base_guild_id", "is required (the id of the guild Lantern monitors)");
  }
  if (config.discord.token.empty()) {
    throw ConfigError("DISCORD_BOT_TOKEN", "is required to connect to Discord");
  }
  if (config.kv_token_encryption_secret.empty()) {
    throw ConfigError("KV_TOKEN_ENCRYPTION_SECRET",
                      "is required (64 hex characters; e.g. `openssl rand -hex 32`)");
  }
}

std::string Config::describe() const {
  return fmt::format(
      "base_guild_id={} port={} bind={} api_base={} database={} log.level={} token={} "
      "kv_secret={}",
      base_guild_id, server.port, server.bind, discord.api_base, database.path, log.level,
      discord.token.empty() ? "unset" : "set (hidden)",
      kv_token_encryption_secret.empty() ? "unset" : "set (hidden)");
}

}  // namespace lantern::app
