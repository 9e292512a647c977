// Real responses of a running server, validated against the schemas of
// docs/openapi.json.
//
// The server runs every REST route Lantern has (service, users, storage, docs) on
// loopback, with a presence store fed by typed gateway events (Spotify, a game with
// assets, a custom status with an emoji, a server tag, an offline member with a
// last-seen moment) and a storage service on a SQLite file in a temporary directory.
// The test records its exchanges (200s and every kind of error) in a JSON file and
// runs tests/openapi/validate.mjs (Ajv, JSON Schema draft 2020-12) over them. Negative
// controls, real responses with one thing made wrong, must be rejected, so a
// validator that accepts everything fails the test.
//
// Needs node and the npm packages of package.json (scripts/install-test-tools.sh).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "card/options.h"
#include "http/auth_throttle.h"
#include "http/docs_routes.h"
#include "http/router.h"
#include "http/server.h"
#include "http/storage_routes.h"
#include "http/users_routes.h"
#include "loopback_server.h"
#include "presence/store.h"
#include "storage/service.h"
#include "test_members.h"
#include "testing/http_client.h"

namespace lantern::http {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::HttpResult;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kSecret = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr Snowflake kGuild = 222222222222222222ULL;
constexpr Snowflake kAlice = 333333333333333333ULL;  // online: Spotify, a game, custom status
constexpr Snowflake kBob = 444444444444444444ULL;    // went offline; token, no pairs
constexpr Snowflake kCarol = 666666666666666666ULL;  // idle on mobile, server tag; no token
constexpr std::int64_t kNowMs = 1'700'000'000'000;
const std::string kAlicePath = "/api/v1/users/333333333333333333";
const std::string kBobPath = "/api/v1/users/444444444444444444";
const std::string kCarolPath = "/api/v1/users/666666666666666666";
const std::string kStrangerPath = "/api/v1/users/555555555555555555";

const fs::path kSourceDir = LANTERN_SOURCE_DIR;
constexpr const char* kDefaultAddress = "198.51.100.1";

class TempDir {
 public:
  TempDir() {
    std::string pattern = fs::temp_directory_path() / "lantern-openapi-XXXXXX";
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path file(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// Runs `command`, returning its exit status and what it printed (stdout and stderr).
std::pair<int, std::string> run(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

// The validator, or a failure that says how to install it.
::testing::AssertionResult validator_installed() {
  if (!fs::exists(kSourceDir / "node_modules" / "ajv" / "package.json") ||
      !fs::exists(kSourceDir / "node_modules" / "ajv-formats" / "package.json")) {
    return ::testing::AssertionFailure()
           << "node_modules/ajv is missing in " << kSourceDir
           << ": run scripts/install-test-tools.sh (npm ci at the repository root)";
  }
  if (run("node --version").first != 0) {
    return ::testing::AssertionFailure() << "node is not on PATH (apt-get install nodejs npm)";
  }
  return ::testing::AssertionSuccess();
}

// Runs validate.mjs over `exchanges`; returns its exit status and report.
std::pair<int, std::string> validate(const json::array& exchanges, const TempDir& dir) {
  const fs::path file = dir.file("exchanges.json");
  std::ofstream(file) << json::serialize(exchanges);
  return run("node " + quoted(kSourceDir / "tests" / "openapi" / "validate.mjs") + " " +
             quoted(kSourceDir / "docs" / "openapi.json") + " " + quoted(file));
}

presence::Activity spotify() {
  presence::Activity a;
  a.id = "spotify:1";
  a.name = "Spotify";
  a.type = 2;
  a.details = "Never Gonna Give You Up";
  a.state = "Rick Astley";
  a.created_at_ms = kNowMs - 60'000;
  a.assets =
      presence::ActivityAssets{{"spotify:ab67616d0000b273", "Whenever You Need Somebody"}, {}};
  a.start_ms = kNowMs - 60'000;
  a.end_ms = kNowMs + 153'000;
  a.sync_id = "4cOdK2wGLETKBW3PvgPWqT";
  return a;
}

presence::Activity game() {
  presence::Activity a;
  a.id = "ec0b28a579ecb4bd";
  a.name = "Visual Studio Code";
  a.type = 0;
  a.details = "Editing main.cpp";
  a.state = "Workspace: lantern";
  a.application_id = "383226320970055681";
  a.created_at_ms = kNowMs - 3'600'000;
  a.assets = presence::ActivityAssets{{"565945350201933826", "Editing a C++ file"},
                                      {"mp:external/abc/https/example.png", std::nullopt}};
  a.start_ms = kNowMs - 3'700'000;
  return a;
}

presence::Activity custom_status() {
  presence::Activity a;
  a.id = "custom";
  a.name = "Custom Status";
  a.type = 4;
  a.state = "shipping docs";
  a.created_at_ms = kNowMs - 10'000;
  a.emoji = presence::ActivityEmoji{"fire", 123456789012345678ULL, true};
  return a;
}

class DocsValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(validator_installed());
    auto opened = storage::open_service({dir_.file("lantern.db").string(), kSecret, 5000, {}});
    ASSERT_TRUE(opened.service) << opened.error;
    service_ = std::move(opened.service);
    service_->set_change_listener([this](Snowflake id, presence::StoragePairsPtr pairs) {
      std::lock_guard lock(writer_);
      store_.set_storage(id, std::move(pairs));
    });
    feed_store();
    alice_token_ = create_token(kAlice);
    create_token(kBob);

    throttle_ =
        std::make_unique<AuthThrottle>(AuthThrottleOptions{3, std::chrono::seconds(3600), 1000});
    add_service_routes(router_, store_);
    add_users_routes(router_, store_, UsersRouteOptions{3},
                     [](const Request& request, presence::UserViewPtr, Respond respond) {
                       // The app's card handler validates the options the same way
                       // (src/app/service.cpp); rendering is the card module's business.
                       auto options = card::parse_card_options(request.query);
                       if (!options.ok()) return respond(json_error(400, options.error()));
                       Response response;
                       response.content_type = "image/svg+xml; charset=utf-8";
                       response.body = R"(<svg xmlns="http://www.w3.org/2000/svg"/>)";
                       response.with_header("Cache-Control", "no-store, no-cache, must-revalidate");
                       respond(std::move(response));
                     });
    add_storage_routes(router_, store_, *service_, StorageRouteOptions{}, *throttle_);
    add_docs_routes(router_);

    // trust_proxy: the throttle cases speak from their own address (X-Forwarded-For).
    server_ = std::make_unique<LoopbackServer>(
        router_, LoopbackOptions{.trust_proxy = true, .observer = {}});
  }

  void TearDown() override {
    server_.reset();
    service_.reset();
  }

  void feed_store() {
    presence::GuildCreate guild;
    guild.guild_id = kGuild;
    guild.member_count = 3;
    auto alice = member(kAlice, "alice");
    alice.user.global_name = std::optional<std::string>("Alice");
    alice.user.avatar = std::optional<std::string>("a_0123456789abcdef0123456789abcdef");
    alice.user.public_flags =
        std::optional<std::uint64_t>((1ULL << 6) | (1ULL << 22) | (1ULL << 44));
    auto carol = member(kCarol, "carol");
    carol.user.discriminator = std::optional<std::string>("1234");
    carol.user.server_tag = std::optional<std::optional<presence::ServerTag>>(
        presence::ServerTag{kGuild, "LNTN", std::optional<std::string>("0123abcd")});
    guild.members = {alice, member(kBob, "bob"), carol};

    presence::PresenceEvent alice_online;
    alice_online.user.id = kAlice;
    alice_online.presence.status = presence::Status::kOnline;
    alice_online.presence.client_status.desktop = presence::Status::kOnline;
    alice_online.presence.client_status.web = presence::Status::kIdle;
    alice_online.presence.activities = {custom_status(), spotify(), game()};
    presence::PresenceEvent bob_online;
    bob_online.user.id = kBob;
    bob_online.presence.status = presence::Status::kDnd;
    bob_online.presence.client_status.desktop = presence::Status::kDnd;
    presence::PresenceEvent carol_idle;
    carol_idle.user.id = kCarol;
    carol_idle.presence.status = presence::Status::kIdle;
    carol_idle.presence.client_status.mobile = presence::Status::kIdle;
    guild.presences = {alice_online, bob_online, carol_idle};

    std::lock_guard lock(writer_);
    store_.begin_sync();
    store_.apply(guild);
    store_.end_sync();
    // Bob goes offline: a real last-seen moment.
    presence::PresenceUpdate bob_offline;
    bob_offline.guild_id = kGuild;
    bob_offline.presence.user.id = kBob;
    bob_offline.presence.presence.status = presence::Status::kOffline;
    store_.apply(bob_offline);
  }

  std::string create_token(Snowflake id) {
    std::promise<std::string> promise;
    auto future = promise.get_future();
    EXPECT_TRUE(service_->create_or_replace_token(id, [&](storage::Status status, std::string t) {
      EXPECT_EQ(status, storage::Status::kOk);
      promise.set_value(std::move(t));
    }));
    if (future.wait_for(std::chrono::seconds(60)) != std::future_status::ready) std::abort();
    return future.get();
  }

  // Sends a request and records the exchange.
  HttpResult send(const std::string& name, const std::string& method, const std::string& target,
                  unsigned expected_status, const std::string& body = {},
                  std::optional<std::string> authorization = {},
                  const std::string& address = kDefaultAddress) {
    // Failed authorizations are counted per address (AuthThrottle); each expected 401
    // speaks from an address of its own so that only the throttle cases see a 429.
    const std::string from = expected_status == 401 && address == kDefaultAddress
                                 ? "192.0.2." + std::to_string(++fresh_addresses_)
                                 : address;
    Headers headers{{"X-Forwarded-For", from}};
    if (authorization) headers.emplace_back("Authorization", *authorization);
    HttpResult result = testing::http_request(server_->port(), method, target, body, headers);
    EXPECT_EQ(result.status, expected_status) << name << ": " << result.body << result.error;
    record(name, method, target, result.status, result.headers, result.body);
    return result;
  }

  void record(const std::string& name, const std::string& method, const std::string& target,
              unsigned status, const std::map<std::string, std::string>& headers,
              const std::string& body, const char* expect = "valid") {
    json::object exchange;
    exchange["name"] = name;
    exchange["method"] = method;
    exchange["path"] = target.substr(0, target.find('?'));
    exchange["status"] = status;
    json::object header_object;
    for (const auto& [key, value] : headers) header_object[key] = value;
    exchange["headers"] = std::move(header_object);
    exchange["body"] = body;
    exchange["expect"] = expect;
    exchanges_.push_back(std::move(exchange));
  }

  // A real response with one thing made wrong, which the validator must reject.
  void record_broken(const std::string& name, const std::string& target, const HttpResult& real,
                     const std::function<void(json::value&)>& breakage) {
    json::value body = json::parse(real.body);
    breakage(body);
    record(name, "GET", target, real.status, real.headers, json::serialize(body), "invalid");
  }

  void exercise_everything();

  TempDir dir_;
  std::mutex writer_;
  presence::PresenceStore store_{kGuild, nullptr, nullptr};
  std::unique_ptr<AuthThrottle> throttle_;
  std::unique_ptr<storage::Service> service_;
  Router router_;
  std::unique_ptr<LoopbackServer> server_;
  std::string alice_token_;
  int fresh_addresses_ = 0;
  json::array exchanges_;
};

void DocsValidationTest::exercise_everything() {
  const std::string bearer = "Bearer " + alice_token_;
  const std::string key = kAlicePath + "/storage/theme";

  // Storage writes first, so that the user data below carries pairs.
  send("put from body", "PUT", key, 200, R"({"value":"dark"})", alice_token_);
  send("put from query", "PUT", kAlicePath + "/storage/location?value=Berlin", 200, {}, bearer);
  send("put empty value", "PUT", kAlicePath + "/storage/empty", 200, R"({"value":""})", bearer);
  send("patch", "PATCH", key, 200, R"({"value":"light"})", bearer);
  send("patch missing key", "PATCH", kAlicePath + "/storage/nothing", 404, R"({"value":"x"})",
       bearer);
  send("put bad key", "PUT", kAlicePath + "/storage/bad-key", 400, R"({"value":"x"})", bearer);
  send("put no value", "PUT", key, 400, R"({"other":1})", bearer);
  send("put value not a string", "PUT", key, 400, R"({"value":42})", bearer);
  send("put value too long", "PUT", key, 400, R"({"value":")" + std::string(30001, 'x') + "\"}",
       bearer);
  send("put bad user id", "PUT", "/api/v1/users/12/storage/theme", 400, R"({"value":"x"})", bearer);
  send("put not monitored", "PUT", kStrangerPath + "/storage/theme", 404, R"({"value":"x"})",
       bearer);
  send("put without token", "PUT", key, 401, R"({"value":"x"})");
  send("put wrong token", "PUT", key, 401, R"({"value":"x"})", "not-the-token");
  for (int i = 0; i < 3; ++i) {
    send("failure before throttle", "PUT", key, 401, R"({"value":"x"})", "wrong", "203.0.113.9");
  }
  send("put throttled", "PUT", key, 429, R"({"value":"x"})", "wrong", "203.0.113.9");
  send("delete throttled", "DELETE", key, 429, {}, "wrong", "203.0.113.9");
  send("delete all throttled", "DELETE", kAlicePath + "/storage", 429, {}, "wrong", "203.0.113.9");
  send("put body too large", "PUT", key, 413,
       R"({"value":")" + std::string(300 * 1024, 'x') + "\"}", bearer);
  send("put to be deleted", "PUT", kAlicePath + "/storage/scratch", 200, R"({"value":"1"})",
       bearer);
  send("delete key", "DELETE", kAlicePath + "/storage/scratch", 200, {}, bearer);
  send("delete missing key", "DELETE", kAlicePath + "/storage/scratch", 404, {}, bearer);
  send("delete key bad key", "DELETE", kAlicePath + "/storage/x_y", 400, {}, bearer);
  send("delete key without token", "DELETE", key, 401);

  send("get value", "GET", key, 200);
  send("get missing value", "GET", kAlicePath + "/storage/nothing", 404);
  send("get value bad key", "GET", kAlicePath + "/storage/" + std::string(256, 'a'), 400);
  send("get storage", "GET", kAlicePath + "/storage", 200);
  send("get storage with token, no pairs", "GET", kBobPath + "/storage", 200);
  send("get storage without token", "GET", kCarolPath + "/storage", 404);
  send("get storage not monitored", "GET", kStrangerPath + "/storage", 404);
  send("get storage bad id", "GET", "/api/v1/users/abc/storage", 400);
  send("delete storage without token", "DELETE", kBobPath + "/storage", 401);
  send("delete storage not monitored", "DELETE", kStrangerPath + "/storage", 404, {}, bearer);
  send("delete storage with another user's token", "DELETE", kBobPath + "/storage", 401, {},
       bearer);

  // User data.
  const HttpResult alice = send("alice: Spotify, game, custom status", "GET", kAlicePath, 200);
  const HttpResult bob = send("bob: offline with last seen", "GET", kBobPath, 200);
  send("carol: idle, server tag", "GET", kCarolPath, 200);
  send("many users", "GET",
       "/api/v1/users?user_ids=666666666666666666,555555555555555555&user_ids=333333333333333333",
       200);
  send("many users, [] spelling", "GET", "/api/v1/users?user_ids[]=444444444444444444", 200);
  send("many users missing", "GET", "/api/v1/users", 400);
  send("many users malformed", "GET", "/api/v1/users?user_ids=1234", 400);
  send("many users duplicates", "GET",
       "/api/v1/users?user_ids=333333333333333333,333333333333333333", 400);
  send("many users too many", "GET",
       "/api/v1/users?user_ids=333333333333333331,333333333333333332,333333333333333333,"
       "333333333333333334",
       400);
  send("many users none monitored", "GET", "/api/v1/users?user_ids=555555555555555555", 404);
  send("user bad id", "GET", "/api/v1/users/18446744073709551616", 400);
  send("user not monitored", "GET", kStrangerPath, 404);
  send("user bad svg", "GET", kAlicePath + "?svg=yes", 400);
  send("card", "GET",
       kAlicePath + "?svg=1&theme=light&borderRadius=0.5&hideStatus=true&hideLastSeen=0", 200);
  send("card bad theme", "GET", kAlicePath + "?svg=true&theme=blue", 400);
  send("card bad radius", "GET", kAlicePath + "?svg=1&borderRadius=11", 400);
  send("card bad flag", "GET", kAlicePath + "?svg=1&hideBadges=yes", 400);
  send("card empty title", "GET", kAlicePath + "?svg=1&noActivityTitle=", 400);
  send("card not monitored", "GET", kStrangerPath + "?svg=1", 404);

  // Last, as it empties Alice's storage.
  send("delete storage", "DELETE", kAlicePath + "/storage", 200, {}, bearer);
  send("get storage after delete", "GET", kAlicePath + "/storage", 200);

  // Service routes and the router's own answers.
  send("index", "GET", "/", 200);
  send("healthz", "GET", "/healthz", 200);
  send("readyz", "GET", "/readyz", 200);
  send("openapi.json", "GET", "/openapi.json", 200);
  send("docs", "GET", "/docs", 200);
  send("docs script", "GET", "/docs/docs.js", 200);
  send("docs style", "GET", "/docs/docs.css", 200);
  send("unknown path", "GET", "/api/v1/nope", 404);
  send("other method", "POST", kAlicePath, 405);
  send("other method on storage", "POST", key, 405, R"({"value":"x"})", bearer);

  // Readiness before the first sync, straight from a router (no server needed).
  {
    presence::PresenceStore unsynced(kGuild, nullptr, nullptr);
    Router router;
    add_service_routes(router, unsynced);
    Request request;
    request.path = "/readyz";
    router.dispatch(request, [&](Response response) {
      std::map<std::string, std::string> headers{{"content-type", response.content_type}};
      EXPECT_EQ(response.status, 503u);
      record("readyz before sync", "GET", "/readyz", response.status, headers, response.body);
    });
  }

  // Negative controls: each must be rejected.
  ASSERT_EQ(alice.status, 200u);
  ASSERT_EQ(bob.status, 200u);
  record_broken("control: missing server_tag", kAlicePath, alice,
                [](json::value& v) { v.as_object().erase("server_tag"); });
  record_broken("control: unknown status", kAlicePath, alice,
                [](json::value& v) { v.at("status") = "invisible"; });
  record_broken("control: extra key", kAlicePath, alice,
                [](json::value& v) { v.as_object()["presence"] = nullptr; });
  record_broken("control: half-null last_seen_at", kBobPath, bob,
                [](json::value& v) { v.at("last_seen_at").at("raw") = nullptr; });
  record_broken("control: raw without milliseconds", kBobPath, bob,
                [](json::value& v) { v.at("last_seen_at").at("raw") = "2023-11-14T22:13:20Z"; });
  record_broken("control: activity type as number", kAlicePath, alice,
                [](json::value& v) { v.at("activities").at(0).at("type") = 4; });
  record_broken("control: spotify without time", kAlicePath, alice, [](json::value& v) {
    v.at("active_platforms").at("spotify").as_object().erase("time");
  });
  record_broken("control: bitfield as string", kAlicePath, alice,
                [](json::value& v) { v.at("metadata").at("flags").at("bitfield") = "64"; });
  record_broken("control: storage value not a string", kAlicePath, alice,
                [](json::value& v) { v.at("storage").as_object()["n"] = 1; });
  record("control: error with a second key", "GET", "/api/v1/nope", 404,
         {{"content-type", "application/json; charset=utf-8"}},
         R"({"error":"Resource not found.","code":404})", "invalid");
  record("control: user data as text/html", "GET", kAlicePath, 200,
         {{"content-type", "text/html; charset=utf-8"}}, alice.body, "invalid");
  record("control: success false", "DELETE", key, 200,
         {{"content-type", "application/json; charset=utf-8"}}, R"({"success":false})", "invalid");
  record("control: readiness with another status", "GET", "/readyz", 200,
         {{"content-type", "application/json; charset=utf-8"}}, R"({"status":"starting"})",
         "invalid");
  record("control: documented route missing from the server", "GET", "/docs/docs.css", 404,
         {{"content-type", "application/json; charset=utf-8"}},
         R"({"error":"Resource not found."})", "invalid");
  record("control: 429 without Retry-After", "PUT", key, 429,
         {{"content-type", "application/json; charset=utf-8"}},
         R"({"error":"Too many failed authorization attempts; try again later."})", "invalid");
}

TEST_F(DocsValidationTest, RealResponsesMatchTheDocument) {
  exercise_everything();
  const auto [status, report] = validate(exchanges_, dir_);
  EXPECT_EQ(status, 0) << report;
  // Every exchange was checked (the report ends with the count).
  EXPECT_NE(report.find(std::to_string(exchanges_.size()) + " exchange(s), 0 problem(s)"),
            std::string::npos)
      << report;
}

TEST_F(DocsValidationTest, AWrongResponseFailsValidation) {
  const HttpResult alice = send("alice", "GET", kAlicePath, 200);
  ASSERT_EQ(alice.status, 200u);
  json::value body = json::parse(alice.body);
  body.at("metadata").as_object().erase("monitoring_since");
  record("alice without monitoring_since, claimed valid", "GET", kAlicePath, 200, alice.headers,
         json::serialize(body));
  const auto [status, report] = validate(exchanges_, dir_);
  EXPECT_EQ(status, 1) << report;
  EXPECT_NE(report.find("monitoring_since"), std::string::npos) << report;
}

}  // namespace
}  // namespace lantern::http
