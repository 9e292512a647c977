// Lantern's configuration: config.toml, then the environment (and .env) on top.
//
// Every key is documented in config.example.toml at the repository root. A bad
// value is reported as ConfigError naming the key; `lantern` prints it and exits
// with status 2. Secrets (the bot token and the token encryption secret) come
// only from the environment and are never logged: describe() masks them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "card/theme.h"
#include "http/trusted_proxies.h"
#include "util/snowflake.h"

namespace lantern::app {

// [server.rate_limit]: per-client token buckets for /api/v1 (docs/metrics.md).
struct RateLimitConfig {
  bool enabled = true;
  double requests_per_second = 10;
  std::size_t burst = 30;
  std::size_t max_addresses = 100000;
};

struct ServerConfig {
  std::string bind = "0.0.0.0";
  std::uint16_t port = 8000;
  int threads = 0;  // 0 = one per core
  bool trust_proxy = false;
  // Peers whose proxy headers are believed (with trust_proxy); when the key is
  // absent, loopback and the private networks (TrustedProxies::local_networks).
  http::TrustedProxies trusted_proxies = http::TrustedProxies::local_networks();
  bool trusted_proxies_configured = false;  // set by server.trusted_proxies
  RateLimitConfig rate_limit;
};

struct SocketConfig {
  std::int64_t heartbeat_interval_ms = 30000;
  std::int64_t init_timeout_ms = 5000;
  std::size_t max_payload = 8192;
  int inbound_frames_per_minute = 60;
  std::size_t max_ids_per_session = 1000;
  std::size_t max_sessions_per_address = 256;
  std::size_t max_backlog_bytes = 1024 * 1024;
  std::size_t max_backlog_frames = 1024;
};

struct DiscordConfig {
  std::string api_base = "https://discord.com/api/v10";
  std::string token;  // secret: DISCORD_BOT_TOKEN
};

struct DatabaseConfig {
  std::string path = "lantern.db";
  int retention_days = 30;
};

struct LogConfig {
  std::string level = "info";
  bool json = false;
  bool access = true;
};

struct Config {
  Snowflake base_guild_id = 0;
  std::size_t max_bulk_get_users_size = 50;
  std::vector<Snowflake> bypass_command_permissions_check;
  ServerConfig server;
  SocketConfig socket;
  DiscordConfig discord;
  DatabaseConfig database;
  LogConfig log;
  std::string kv_token_encryption_secret;  // secret: 64 hex characters
  card::Themes card_themes;                // [user_svg_card.colors.dark|light]

  // A one-line summary for the start-up log, secrets masked.
  std::string describe() const;
};

class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string key, const std::string& message)
      : std::runtime_error(key + ": " + message), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

// Environment variables, passed in rather than read from the process so that
// tests can supply their own.
using Environment = std::map<std::string, std::string>;

// The process environment.
Environment process_environment();

// Adds the KEY=VALUE lines of a .env file to `env` without overriding keys that
// are already set. A missing file is not an error. Supports comments (#),
// `export KEY=VALUE` and single or double quotes.
void load_dotenv(const std::string& path, Environment& env);

// Reads `toml_path` (nullopt: defaults only) and applies the environment:
// DISCORD_BOT_TOKEN, KV_TOKEN_ENCRYPTION_SECRET, LANTERN_PORT, LANTERN_DATABASE,
// LANTERN_BASE_GUILD_ID, LANTERN_API_BASE, LANTERN_LOG_LEVEL, LANTERN_BIND.
// Throws ConfigError for any invalid value.
Config load_config(const std::optional<std::string>& toml_path, const Environment& env);

// Checks what `lantern serve` needs beyond syntax (a guild id, a token).
void require_serve_settings(const Config& config);

}  // namespace lantern::app
