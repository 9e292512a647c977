#include "app/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "testing/fixtures.h"

namespace lantern::app {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("lantern-config-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    const auto path = (dir_ / name).string();
    std::ofstream(path) << content;
    return path;
  }

  // The key named by the ConfigError that loading `toml` raises.
  std::string error_key(const std::string& toml, const Environment& env = {}) {
    try {
      load_config(write("config.toml", toml), env);
    } catch (const ConfigError& error) {
      return error.key();
    }
    return "(no error)";
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigTest, DefaultsWithoutAFile) {
  const Config config = load_config(std::nullopt, {});
  EXPECT_EQ(config.server.port, 8000);
  EXPECT_EQ(config.max_bulk_get_users_size, 50u);
  EXPECT_EQ(config.socket.heartbeat_interval_ms, 30000);
  EXPECT_EQ(config.socket.init_timeout_ms, 5000);
  EXPECT_EQ(config.discord.api_base, "https://discord.com/api/v10");
  EXPECT_EQ(config.database.path, "lantern.db");
  EXPECT_TRUE(config.server.rate_limit.enabled);
  EXPECT_EQ(config.server.rate_limit.requests_per_second, 10.0);
  EXPECT_EQ(config.server.rate_limit.burst, 30u);
  EXPECT_EQ(config.server.rate_limit.max_addresses, 100000u);
  EXPECT_FALSE(config.server.trust_proxy);
  EXPECT_FALSE(config.server.trusted_proxies_configured);
  EXPECT_EQ(config.server.trusted_proxies.describe(),
            http::TrustedProxies::local_networks().describe());
}

TEST_F(ConfigTest, ReadsTheTrustedProxies) {
  const Config config = load_config(write("config.toml", R"(
[server]
trust_proxy = true
trusted_proxies = ["203.0.113.7", "198.51.100.0/24", "2001:db8::/32", "::1"]
)"),
                                    {});
  EXPECT_TRUE(config.server.trust_proxy);
  EXPECT_TRUE(config.server.trusted_proxies_configured);
  const auto& proxies = config.server.trusted_proxies;
  EXPECT_EQ(proxies.describe(), "203.0.113.7/32, 198.51.100.0/24, 2001:db8::/32, ::1/128");
  EXPECT_TRUE(proxies.contains("198.51.100.200"));
  EXPECT_TRUE(proxies.contains("2001:db8:1::5"));
  // The list replaces the default: loopback IPv4 and private networks are no longer in it.
  EXPECT_FALSE(proxies.contains("127.0.0.1"));
  EXPECT_FALSE(proxies.contains("10.0.0.1"));
}

TEST_F(ConfigTest, BadTrustedProxiesNameTheKey) {
  const std::string key = "server.trusted_proxies";
  for (const std::string value :
       {"\"10.0.0.0/8\"", "[]", "[1]", "[\"10.0.0.0/8\", \"nonsense\"]", "[\"10.0.0.0/33\"]",
        "[\"::/129\"]", "[\"10.0.0.0/\"]", "[\"10.0.0.0/8x\"]", "[\"10.0.0\"]",
        "[\"proxy.example.org\"]", "[\" 10.0.0.1\"]", "[\"10.0.0.0/00000000008\"]"}) {
    EXPECT_EQ(error_key("[server]\ntrust_proxy = true\ntrusted_proxies = " + value), key) << value;
  }
  try {
    load_config(write("bad.toml", "[server]\ntrusted_proxies = [\"10.0.0.1\", \"10.0.0.256\"]"),
                {});
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("entry 2 (\"10.0.0.256\")"), std::string::npos)
        << error.what();
  }
}

TEST_F(ConfigTest, ReadsTheRateLimit) {
  const Config config = load_config(write("config.toml", R"(
[server.rate_limit]
enabled = false
requests_per_second = 0.5
burst = 4
max_addresses = 64
)"),
                                    {});
  EXPECT_FALSE(config.server.rate_limit.enabled);
  EXPECT_EQ(config.server.rate_limit.requests_per_second, 0.5);
  EXPECT_EQ(config.server.rate_limit.burst, 4u);
  EXPECT_EQ(config.server.rate_limit.max_addresses, 64u);
  EXPECT_EQ(load_config(write("c2.toml", "[server.rate_limit]\nrequests_per_second = 3\n"), {})
                .server.rate_limit.requests_per_second,
            3.0);
}

TEST_F(ConfigTest, TheExampleFileIsValidAndComplete) {
  const Config config = load_config(std::string(LANTERN_SOURCE_DIR) + "/config.example.toml", {});
  EXPECT_EQ(config.base_guild_id, 123456789012345678u);
  EXPECT_EQ(config.socket.max_payload, 8192u);
  EXPECT_EQ(config.card_themes.dark, card::default_dark_theme());
  EXPECT_EQ(config.card_themes.light, card::default_light_theme());
  EXPECT_EQ(config.server.trusted_proxies.describe(),
            http::TrustedProxies::local_networks().describe());
}

TEST_F(ConfigTest, ReadsEveryStableKey) {
  const Config config = load_config(write("config.toml", R"(
base_guild_id = "987654321098765432"
max_bulk_get_users_size = 10
bypass_command_permissions_check = ["111111111111111111"]
[server]
port = 9001
[server.socket]
heartbeat_interval = 10000
init_timeout = 2000
maxpayload = 1024
[discord]
api_base = "http://127.0.0.1:1234/api/v10"
[database]
path = "/tmp/x.db"
)"),
                                    {});
  EXPECT_EQ(config.base_guild_id, 987654321098765432u);
  EXPECT_EQ(config.max_bulk_get_users_size, 10u);
  ASSERT_EQ(config.bypass_command_permissions_check.size(), 1u);
  EXPECT_EQ(config.server.port, 9001);
  EXPECT_EQ(config.socket.heartbeat_interval_ms, 10000);
  EXPECT_EQ(config.socket.init_timeout_ms, 2000);
  EXPECT_EQ(config.socket.max_payload, 1024u);
  EXPECT_EQ(config.discord.api_base, "http://127.0.0.1:1234/api/v10");
  EXPECT_EQ(config.database.path, "/tmp/x.db");
}

TEST_F(ConfigTest, EnvironmentOverridesTheFile) {
  const Environment env = {{"LANTERN_PORT", "7000"},
                           {"LANTERN_DATABASE", "/data/l.db"},
                           {"DISCORD_BOT_TOKEN", "abc.def"},
                           {"KV_TOKEN_ENCRYPTION_SECRET", std::string(64, 'a')}};
  const Config config = load_config(write("config.toml", "[server]\nport = 9001\n"), env);
  EXPECT_EQ(config.server.port, 7000);
  EXPECT_EQ(config.database.path, "/data/l.db");
  EXPECT_EQ(config.discord.token, "abc.def");
  EXPECT_EQ(config.kv_token_encryption_secret, std::string(64, 'a'));
}

TEST_F(ConfigTest, BadValuesNameTheirKey) {
  EXPECT_EQ(error_key("base_guild_id = \"12\""), "base_guild_id");
  EXPECT_EQ(error_key("[server]\nport = 70000"), "server.port");
  EXPECT_EQ(error_key("[server]\nport = \"80\""), "server.port");
  EXPECT_EQ(error_key("[server.socket]\nheartbeat_interval = -1"),
            "server.socket.heartbeat_interval");
  EXPECT_EQ(error_key("[server.socket]\nunknown = 1"), "server.socket.unknown");
  EXPECT_EQ(error_key("[server.rate_limit]\nrequests_per_second = 0"),
            "server.rate_limit.requests_per_second");
  EXPECT_EQ(error_key("[server.rate_limit]\nrequests_per_second = \"fast\""),
            "server.rate_limit.requests_per_second");
  EXPECT_EQ(error_key("[server.rate_limit]\nburst = 0"), "server.rate_limit.burst");
  EXPECT_EQ(error_key("[server.rate_limit]\nmax_addresses = 1"), "server.rate_limit.max_addresses");
  EXPECT_EQ(error_key("[server.rate_limit]\nenabled = 1"), "server.rate_limit.enabled");
  EXPECT_EQ(error_key("[server.rate_limit]\nrps = 1"), "server.rate_limit.rps");
  EXPECT_EQ(error_key("[discord]\napi_base = \"ftp://x\""), "discord.api_base");
  EXPECT_EQ(error_key("[log]\nlevel = \"loud\""), "log.level");
  EXPECT_EQ(error_key("typo_key = 1"), "typo_key");
  EXPECT_EQ(error_key("[user_svg_card.colors.dark]\ntext = \"red\""),
            "user_svg_card.colors.dark.text");
  EXPECT_EQ(error_key("[user_svg_card.colors.dark]\nglow = \"#fff\""),
            "user_svg_card.colors.dark.glow");
  EXPECT_EQ(error_key("[user_svg_card.colors.sepia]\ntext = \"#fff\""),
            "user_svg_card.colors.sepia");
  EXPECT_EQ(error_key("", {{"KV_TOKEN_ENCRYPTION_SECRET", "short"}}), "KV_TOKEN_ENCRYPTION_SECRET");
  EXPECT_EQ(error_key("", {{"LANTERN_PORT", "eighty"}}), "LANTERN_PORT");
  EXPECT_NE(error_key("this is not toml = = ="), "(no error)");
}

TEST_F(ConfigTest, ServeNeedsAGuildAndAToken) {
  Config config = load_config(std::nullopt, {});
  EXPECT_THROW(require_serve_settings(config), ConfigError);
  config.base_guild_id = 123456789012345678u;
  EXPECT_THROW(require_serve_settings(config), ConfigError);
  config.discord.token = "t";
  EXPECT_THROW(require_serve_settings(config), ConfigError);
  config.kv_token_encryption_secret = std::string(64, '0');
  EXPECT_NO_THROW(require_serve_settings(config));
}

TEST_F(ConfigTest, SecretsNeverAppearInTheDescription) {
  Config config = load_config(std::nullopt, {{"DISCORD_BOT_TOKEN", "super-secret-token"},
                                             {"KV_TOKEN_ENCRYPTION_SECRET", std::string(64, 'f')}});
  const std::string text = config.describe();
  EXPECT_EQ(text.find("super-secret-token"), std::string::npos);
  EXPECT_EQ(text.find(std::string(64, 'f')), std::string::npos);
  EXPECT_NE(text.find("set (hidden)"), std::string::npos);
}

TEST_F(ConfigTest, DotenvDoesNotOverrideTheEnvironment) {
  Environment env = {{"LANTERN_PORT", "1111"}};
  load_dotenv(write(".env",
                    "# comment\nexport DISCORD_BOT_TOKEN=\"quoted token\"\nLANTERN_PORT=2222\n"
                    "LANTERN_DATABASE=/x.db # trailing comment\n"),
              env);
  EXPECT_EQ(env.at("DISCORD_BOT_TOKEN"), "quoted token");
  EXPECT_EQ(env.at("LANTERN_PORT"), "1111");
  EXPECT_EQ(env.at("LANTERN_DATABASE"), "/x.db");
  load_dotenv((dir_ / "missing.env").string(), env);  // a missing file is fine
}

}  // namespace
}  // namespace lantern::app
