// The storage routes through a real HTTP server on loopback, a real storage
// service on a SQLite file in a temporary directory, and a presence store fed by
// typed gateway events.
//
// The service's change listener calls PresenceStore::set_storage directly, under
// a mutex: the store allows one writer at a time, and here two threads write it
// (the test body in SetUp, the storage worker in the listener). Calling it
// synchronously also means the store shows a write before its 200 goes out,
// which is what the app's wiring must provide for read-your-writes.
#include "http/storage_routes.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "http/router.h"
#include "http/server.h"
#include "loopback_server.h"
#include "presence/store.h"
#include "storage/service.h"
#include "test_members.h"
#include "testing/http_client.h"

namespace lantern::http {
namespace {

using testing::http_request;
using testing::HttpResult;

constexpr const char* kSecret = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr Snowflake kGuild = 222222222222222222ULL;
constexpr Snowflake kAlice = 333333333333333333ULL;  // member with a token
constexpr Snowflake kBob = 444444444444444444ULL;    // member with a token
constexpr Snowflake kCarol = 666666666666666666ULL;  // member without a token
const std::string kAlicePath = "/api/v1/users/333333333333333333/storage";
const std::string kCarolPath = "/api/v1/users/666666666666666666/storage";
const std::string kStrangerPath = "/api/v1/users/555555555555555555/storage";  // not a member

using Headers = std::vector<std::pair<std::string, std::string>>;

class TempDir {
 public:
  TempDir() {
    std::string pattern = std::filesystem::temp_directory_path() / "lantern-kvroutes-XXXXXX";
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

template <typename T>
T wait_for(std::future<T>& future) {
  if (future.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    ADD_FAILURE() << "storage operation did not complete";
    std::abort();
  }
  return future.get();
}

std::string value_body(const std::string& value) {
  boost::json::object object;
  object["value"] = value;
  return boost::json::serialize(object);
}

std::string repeat(const std::string& piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

class StorageRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::Service::Options service_options;
    service_options.queue_capacity = queue_capacity_;
    auto opened = storage::open_service({dir_.file("lantern.db"), kSecret, 5000, service_options});
    ASSERT_TRUE(opened.service) << opened.error;
    service_ = std::move(opened.service);
    service_->set_change_listener([this](Snowflake id, presence::StoragePairsPtr pairs) {
      std::lock_guard lock(writer_);
      store_.set_storage(id, std::move(pairs));
    });
    sync_guild();
    if (queue_capacity_ > 0) {
      alice_token_ = create_token(kAlice);
      bob_token_ = create_token(kBob);
    }
    throttle_ = std::make_unique<AuthThrottle>(throttle_options_);
    add_storage_routes(router_, store_, *service_, StorageRouteOptions{}, *throttle_);
    // trust_proxy lets a test speak from several addresses (X-Forwarded-For).
    server_ = std::make_unique<LoopbackServer>(
        router_, LoopbackOptions{.trust_proxy = true, .observer = {}});
  }

  void TearDown() override {
    server_.reset();
    service_.reset();  // drains; its callbacks use the throttle and the store
  }

  void sync_guild() {
    presence::GuildCreate guild;
    guild.guild_id = kGuild;
    guild.member_count = 3;
    guild.members = {member(kAlice, "alice"), member(kBob, "bob"), member(kCarol, "carol")};
    std::lock_guard lock(writer_);
    store_.begin_sync();
    store_.apply(guild);
    store_.end_sync();
  }

  std::string create_token(Snowflake id) {
    std::promise<std::string> promise;
    auto future = promise.get_future();
    EXPECT_TRUE(service_->create_or_replace_token(id, [&](storage::Status status, std::string t) {
      EXPECT_EQ(status, storage::Status::kOk);
      promise.set_value(std::move(t));
    }));
    return wait_for(future);
  }

  presence::StoragePairs store_pairs(Snowflake id) {
    std::lock_guard lock(writer_);
    const auto view = store_.find(id);
    return view ? view->storage() : presence::StoragePairs{};
  }

  HttpResult send(const std::string& method, const std::string& target,
                  const std::string& body = {}, std::optional<std::string> authorization = {},
                  std::string address = "198.51.100.1") {
    Headers headers{{"X-Forwarded-For", std::move(address)}};
    if (authorization) headers.emplace_back("Authorization", *authorization);
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return http_request(server_->port(), method, target, body, headers);
  }

  HttpResult put(const std::string& key, const std::string& value, const std::string& token) {
    return send("PUT", kAlicePath + "/" + key, value_body(value), token);
  }

  static void expect_error(const HttpResult& result, unsigned status, const std::string& sentence) {
    EXPECT_EQ(result.status, status) << result.body << result.error;
    EXPECT_EQ(result.header("content-type"), "application/json; charset=utf-8");
    boost::json::object expected;
    expected["error"] = sentence;
    EXPECT_EQ(boost::json::parse(result.body), expected) << result.body;
  }

  static void expect_success(const HttpResult& result) {
    EXPECT_EQ(result.status, 200u) << result.body << result.error;
    EXPECT_EQ(boost::json::parse(result.body), boost::json::parse(R"({"success":true})"));
  }

  std::size_t queue_capacity_ = 4096;
  AuthThrottleOptions throttle_options_{1000, std::chrono::seconds(60), 10000};

  TempDir dir_;
  std::mutex writer_;  // the store's one writer at a time
  presence::PresenceStore store_{kGuild, nullptr, nullptr};
  std::unique_ptr<AuthThrottle> throttle_;
  std::unique_ptr<storage::Service> service_;
  Router router_;
  std::unique_ptr<LoopbackServer> server_;
  std::string alice_token_;
  std::string bob_token_;
};

const std::string kUnauthorized = "Unauthorized.";
const std::string kBadId = "user_id must be a Discord user ID (17-20 digits).";
const std::string kBadKey = "key must be 1-255 characters of a-z, A-Z and 0-9.";
const std::string kValueRequired = "value is required and must be a string.";
const std::string kStrangerNotMonitored =
    "User 555555555555555555 is not being monitored by Lantern.";

// ---- reads ------------------------------------------------------------------

TEST_F(StorageRoutesTest, ReadAllDistinguishesNoTokenFromNoPairs) {
  expect_error(send("GET", kCarolPath), 404, "User 666666666666666666 does not have any storage.");
  const auto empty = send("GET", kAlicePath);
  ASSERT_EQ(empty.status, 200u) << empty.body;
  EXPECT_EQ(boost::json::parse(empty.body), boost::json::object());
  expect_error(send("GET", kStrangerPath), 404, kStrangerNotMonitored);
  expect_error(send("GET", "/api/v1/users/123/storage"), 400, kBadId);
}

TEST_F(StorageRoutesTest, AnEmptySnapshotAsksTheDatabase) {
  // Without a listener the store never learns of the write; the read of all
  // pairs falls back to the service because the snapshot has none.
  service_->set_change_listener({});
  std::promise<storage::WriteResult> promise;
  auto future = promise.get_future();
  ASSERT_TRUE(service_->put(kAlice, "theme", "dark",
                            [&promise](storage::WriteResult r) { promise.set_value(r); }));
  ASSERT_EQ(wait_for(future).status, storage::Status::kOk);
  ASSERT_TRUE(store_pairs(kAlice).empty());
  const auto all = send("GET", kAlicePath);
  ASSERT_EQ(all.status, 200u) << all.body;
  EXPECT_EQ(boost::json::parse(all.body), boost::json::parse(R"({"theme":"dark"})"));
}

TEST_F(StorageRoutesTest, WriteThenReadEverywhere) {
  expect_success(put("theme", "dark \"blue\" \xE2\x82\xAC", alice_token_));
  expect_success(put("lang", "en", alice_token_));

  const auto one = send("GET", kAlicePath + "/theme");
  ASSERT_EQ(one.status, 200u);
  EXPECT_EQ(boost::json::parse(one.body),
            boost::json::parse(value_body("dark \"blue\" \xE2\x82\xAC")));
  const auto all = send("GET", kAlicePath);
  ASSERT_EQ(all.status, 200u);
  EXPECT_EQ(boost::json::parse(all.body),
            boost::json::parse(R"({"lang":"en","theme":"dark \"blue\" \u20ac"})"));
  // The change listener fed the presence store: user data shows it too.
  EXPECT_EQ(store_pairs(kAlice),
            (presence::StoragePairs{{"lang", "en"}, {"theme", "dark \"blue\" \xE2\x82\xAC"}}));

  expect_error(send("GET", kAlicePath + "/missing"), 404,
               "Key missing does not exist in the storage.");
  expect_error(send("GET", kCarolPath + "/theme"), 404, "Key theme does not exist in the storage.");
  expect_error(send("GET", kStrangerPath + "/theme"), 404, kStrangerNotMonitored);
  expect_error(send("GET", kAlicePath + "/bad-key"), 400, kBadKey);
}

TEST_F(StorageRoutesTest, PutOverwritesAndTakesTheValueFromTheQuery) {
  expect_success(send("PUT", kAlicePath + "/note?value=hello%20world", {}, alice_token_));
  EXPECT_EQ(store_pairs(kAlice).at("note"), "hello world");
  expect_success(send("PUT", kAlicePath + "/note?value=", {}, alice_token_));  // "" is allowed
  EXPECT_EQ(store_pairs(kAlice).at("note"), "");
  // A body decides over the query.
  expect_success(send("PUT", kAlicePath + "/note?value=query", value_body("body"), alice_token_));
  EXPECT_EQ(store_pairs(kAlice).at("note"), "body");
  expect_success(put("note", "", alice_token_));
  const auto read = send("GET", kAlicePath + "/note");
  EXPECT_EQ(boost::json::parse(read.body), boost::json::parse(R"({"value":""})"));
}

// ---- tokens -------------------------------------------------------------------

TEST_F(StorageRoutesTest, TokenWithOrWithoutBearer) {
  expect_success(put("a", "1", alice_token_));
  expect_success(put("b", "2", "Bearer " + alice_token_));
  expect_success(put("c", "3", "bearer " + alice_token_));
  EXPECT_EQ(store_pairs(kAlice).size(), 3u);
}

TEST_F(StorageRoutesTest, WrongMissingOrForeignTokenIs401AndChangesNothing) {
  expect_error(put("a", "1", bob_token_), 401, kUnauthorized);
  expect_error(put("a", "1", "Bearer " + bob_token_), 401, kUnauthorized);
  expect_error(put("a", "1", alice_token_ + "x"), 401, kUnauthorized);
  expect_error(put("a", "1", "Bearer "), 401, kUnauthorized);
  expect_error(send("PUT", kAlicePath + "/a", value_body("1")), 401, kUnauthorized);
  // Carol never created a token: nothing authenticates for her.
  expect_error(send("PUT", kCarolPath + "/a", value_body("1"), alice_token_), 401, kUnauthorized);
  expect_error(send("DELETE", kAlicePath, {}, bob_token_), 401, kUnauthorized);
  expect_error(send("DELETE", kAlicePath + "/a", {}, bob_token_), 401, kUnauthorized);
  expect_error(send("PATCH", kAlicePath + "/a", value_body("1"), bob_token_), 401, kUnauthorized);
  EXPECT_TRUE(store_pairs(kAlice).empty());
  const auto all = send("GET", kAlicePath);
  EXPECT_EQ(boost::json::parse(all.body), boost::json::object());
}

// ---- values -------------------------------------------------------------------

TEST_F(StorageRoutesTest, ValueSyntax) {
  const auto put_body = [&](const std::string& body) {
    return send("PUT", kAlicePath + "/k", body, alice_token_);
  };
  expect_error(put_body("not json"), 400, kValueRequired);
  expect_error(put_body(R"({"value": 5})"), 400, kValueRequired);
  expect_error(put_body(R"({"value": null})"), 400, kValueRequired);
  expect_error(put_body(R"({"value": ["a"]})"), 400, kValueRequired);
  expect_error(put_body(R"({"other": "x"})"), 400, kValueRequired);
  expect_error(put_body(R"(["value"])"), 400, kValueRequired);
  expect_error(put_body(R"("value")"), 400, kValueRequired);
  expect_error(send("PUT", kAlicePath + "/k", {}, alice_token_), 400, kValueRequired);
  expect_error(send("PUT", kAlicePath + "/k?value=%FF", {}, alice_token_), 400, kValueRequired);
  EXPECT_TRUE(store_pairs(kAlice).empty());
}

TEST_F(StorageRoutesTest, ValueLengthCountsCodePoints) {
  const std::string euro = "\xE2\x82\xAC";  // 3 bytes, 1 code point
  expect_success(put("long", repeat(euro, 30000), alice_token_));
  EXPECT_EQ(store_pairs(kAlice).at("long").size(), 90000u);
  expect_error(put("long", repeat(euro, 30001), alice_token_), 400,
               "value must be at most 30000 characters.");
  expect_error(put("ascii", std::string(30001, 'a'), alice_token_), 400,
               "value must be at most 30000 characters.");
  EXPECT_EQ(store_pairs(kAlice).at("long").size(), 90000u);
}

TEST_F(StorageRoutesTest, KeySyntax) {
  expect_success(put(std::string(255, 'K'), "v", alice_token_));
  expect_error(put(std::string(256, 'K'), "v", alice_token_), 400, kBadKey);
  expect_error(put("with_underscore", "v", alice_token_), 400, kBadKey);
  expect_error(put("%C3%A9", "v", alice_token_), 400, kBadKey);
}

// ---- check order ----------------------------------------------------------------

TEST_F(StorageRoutesTest, ChecksRunInTheContractsOrder) {
  // 400 before 404 (monitored?).
  expect_error(send("PUT", kStrangerPath + "/bad-key", value_body("v"), alice_token_), 400,
               kBadKey);
  expect_error(send("GET", kStrangerPath + "/bad-key"), 400, kBadKey);
  expect_error(send("PUT", kStrangerPath + "/k", "nope", alice_token_), 400, kValueRequired);
  expect_error(send("PUT", "/api/v1/users/1/storage/bad-key", "nope", "x"), 400, kBadId);
  // The key before the value.
  expect_error(send("PUT", kAlicePath + "/bad-key", "nope", alice_token_), 400, kBadKey);
  // 400 before 401.
  expect_error(send("PUT", kAlicePath + "/bad-key", value_body("v"), "wrong"), 400, kBadKey);
  expect_error(send("PUT", kAlicePath + "/k", value_body(std::string(30001, 'a')), "wrong"), 400,
               "value must be at most 30000 characters.");
  // 404 (monitored?) before 401.
  expect_error(send("PUT", kStrangerPath + "/k", value_body("v"), "wrong"), 404,
               kStrangerNotMonitored);
  expect_error(send("DELETE", kStrangerPath, {}, "wrong"), 404, kStrangerNotMonitored);
  expect_error(send("DELETE", kStrangerPath + "/k", {}), 404, kStrangerNotMonitored);
  // 401 before the key's existence.
  expect_error(send("PATCH", kAlicePath + "/missing", value_body("v"), "wrong"), 401,
               kUnauthorized);
  expect_error(send("DELETE", kAlicePath + "/missing", {}, "wrong"), 401, kUnauthorized);
}

// ---- PATCH and DELETE -------------------------------------------------------------

TEST_F(StorageRoutesTest, PatchOnlyOverwritesExistingKeys) {
  expect_error(send("PATCH", kAlicePath + "/theme", value_body("dark"), alice_token_), 404,
               "Key theme does not exist in the storage.");
  EXPECT_TRUE(store_pairs(kAlice).empty());
  expect_success(put("theme", "light", alice_token_));
  expect_success(send("PATCH", kAlicePath + "/theme?value=dark", {}, "Bearer " + alice_token_));
  EXPECT_EQ(store_pairs(kAlice).at("theme"), "dark");
}

TEST_F(StorageRoutesTest, DeleteOneKey) {
  expect_success(put("a", "1", alice_token_));
  expect_success(put("b", "2", alice_token_));
  expect_success(send("DELETE", kAlicePath + "/a", {}, alice_token_));
  expect_error(send("GET", kAlicePath + "/a"), 404, "Key a does not exist in the storage.");
  expect_error(send("DELETE", kAlicePath + "/a", {}, alice_token_), 404,
               "Key a does not exist in the storage.");
  EXPECT_EQ(store_pairs(kAlice), (presence::StoragePairs{{"b", "2"}}));
}

TEST_F(StorageRoutesTest, DeleteAllKeepsTheToken) {
  expect_success(put("a", "1", alice_token_));
  expect_success(put("b", "2", alice_token_));
  expect_success(send("DELETE", kAlicePath, {}, alice_token_));
  EXPECT_TRUE(store_pairs(kAlice).empty());
  const auto all = send("GET", kAlicePath);
  ASSERT_EQ(all.status, 200u) << all.body;  // {} rather than "no storage"
  EXPECT_EQ(boost::json::parse(all.body), boost::json::object());
  expect_success(put("c", "3", alice_token_));
  EXPECT_EQ(store_pairs(kAlice), (presence::StoragePairs{{"c", "3"}}));
}

TEST_F(StorageRoutesTest, AtMost512Pairs) {
  // 511 pairs straight through the service (one group commit), then REST.
  std::vector<std::future<storage::WriteResult>> writes;
  std::vector<std::promise<storage::WriteResult>> promises(511);
  for (std::size_t i = 0; i < promises.size(); ++i) {
    writes.push_back(promises[i].get_future());
    ASSERT_TRUE(
        service_->put(kAlice, "k" + std::to_string(i), "v",
                      [&promise = promises[i]](storage::WriteResult r) { promise.set_value(r); }));
  }
  for (auto& write : writes) ASSERT_EQ(wait_for(write).status, storage::Status::kOk);

  expect_success(put("last", "512th", alice_token_));
  expect_error(put("oneTooMany", "513th", alice_token_), 400,
               "Storage is full: at most 512 keys per user.");
  expect_success(put("last", "overwrite", alice_token_));  // not a new pair
  const auto pairs = store_pairs(kAlice);
  EXPECT_EQ(pairs.size(), 512u);
  EXPECT_EQ(pairs.count("oneTooMany"), 0u);
  EXPECT_EQ(pairs.at("last"), "overwrite");
}

TEST_F(StorageRoutesTest, OtherMethodsAre405) {
  const auto post = send("POST", kAlicePath + "/k", value_body("v"), alice_token_);
  EXPECT_EQ(post.status, 405u);
  EXPECT_EQ(post.header("allow").find("POST"), std::string::npos);
  EXPECT_NE(post.header("allow").find("PATCH"), std::string::npos);
}

// ---- throttling -------------------------------------------------------------------

class ThrottledStorageRoutesTest : public StorageRoutesTest {
 protected:
  ThrottledStorageRoutesTest() { throttle_options_ = {3, std::chrono::seconds(60), 100}; }
};

TEST_F(ThrottledStorageRoutesTest, RepeatedFailuresAreSlowedDownPerAddress) {
  const std::string attacker = "203.0.113.9";
  for (int i = 0; i < 3; ++i) {
    expect_error(send("PUT", kAlicePath + "/k", value_body("v"), "guess", attacker), 401,
                 kUnauthorized);
  }
  const auto throttled = send("PUT", kAlicePath + "/k", value_body("v"), "guess", attacker);
  expect_error(throttled, 429, "Too many failed authorization attempts; try again later.");
  // One failure per 60 s / 3: at most 20 s (less if this test ran slowly).
  const int retry_after = std::stoi(throttled.header("retry-after"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 20);
  // Even the right token is refused while throttled: the address cannot probe.
  expect_error(send("PUT", kAlicePath + "/k", value_body("v"), alice_token_, attacker), 429,
               "Too many failed authorization attempts; try again later.");
  expect_error(send("DELETE", kAlicePath, {}, alice_token_, attacker), 429,
               "Too many failed authorization attempts; try again later.");
  // Checks before the token still answer first; public reads are not throttled.
  expect_error(send("PUT", kAlicePath + "/bad-key", value_body("v"), "guess", attacker), 400,
               kBadKey);
  expect_error(send("PUT", kStrangerPath + "/k", value_body("v"), "guess", attacker), 404,
               kStrangerNotMonitored);
  EXPECT_EQ(send("GET", kAlicePath, {}, {}, attacker).status, 200u);
  // Other addresses are unaffected.
  expect_success(send("PUT", kAlicePath + "/k", value_body("v"), alice_token_, "203.0.113.10"));
  expect_error(send("PUT", kAlicePath + "/k", value_body("v"), "guess", "203.0.113.10"), 401,
               kUnauthorized);
  EXPECT_TRUE(store_pairs(kAlice).count("k"));
}

TEST_F(ThrottledStorageRoutesTest, SuccessesDoNotCount) {
  for (int i = 0; i < 10; ++i) expect_success(put("k", std::to_string(i), alice_token_));
  for (int i = 0; i < 3; ++i) expect_error(put("k", "v", "guess"), 401, kUnauthorized);
  EXPECT_EQ(put("k", "v", alice_token_).status, 429u);
}

// ---- a full storage queue -----------------------------------------------------------

class BusyStorageRoutesTest : public StorageRoutesTest {
 protected:
  BusyStorageRoutesTest() { queue_capacity_ = 0; }  // every submission is refused
};

TEST_F(BusyStorageRoutesTest, FullQueueIs503WithRetryAfter) {
  const auto write = put("k", "v", "some-token");
  expect_error(write, 503, "The server is busy; try again.");
  EXPECT_EQ(write.header("retry-after"), "1");
  expect_error(send("GET", kAlicePath), 503, "The server is busy; try again.");
  // Answers that need no storage work are still given.
  expect_error(send("GET", kAlicePath + "/k"), 404, "Key k does not exist in the storage.");
  expect_error(put("k", "v", ""), 401, kUnauthorized);
}

// ---- helpers without a server -----------------------------------------------------

TEST(PresentedToken, HeaderForms) {
  Request request;
  EXPECT_EQ(presented_token(request), "");
  request.headers = {{"authorization", "abc"}};
  EXPECT_EQ(presented_token(request), "abc");
  request.headers = {{"authorization", "Bearer abc"}};
  EXPECT_EQ(presented_token(request), "abc");
  request.headers = {{"authorization", "BEARER  abc "}};
  EXPECT_EQ(presented_token(request), "abc");
  request.headers = {{"authorization", "Bearer"}};
  EXPECT_EQ(presented_token(request), "Bearer");  // a (wrong) token, not a scheme
  request.headers = {{"authorization", "  "}};
  EXPECT_EQ(presented_token(request), "");
}

TEST(ParseValue, BodyOrQuery) {
  Request request;
  EXPECT_EQ(parse_value(request).error, kValueRequired);
  request.query = {{"value", "q"}};
  EXPECT_EQ(parse_value(request).value, "q");
  request.body = R"({"value":"b"})";
  EXPECT_EQ(parse_value(request).value, "b");
  request.body = R"({"value":"\u00e9"})";
  EXPECT_EQ(parse_value(request).value, "\xC3\xA9");
  request.body = R"({"value":1})";
  EXPECT_EQ(parse_value(request).error, kValueRequired);
  request.body = "{";
  EXPECT_EQ(parse_value(request).error, kValueRequired);
}

}  // namespace
}  // namespace lantern::http
