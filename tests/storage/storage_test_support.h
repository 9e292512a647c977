// Helpers shared by the storage tests: a temporary directory per test, a known
// secret, and blocking wrappers around Service's callbacks (tests only: production
// callers never wait on a future).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>

#include "storage/service.h"
#include "storage/sqlite_database.h"

namespace lantern::storage::testing {

// 000102...1f: the key of the Node-produced test vector (crypto_test.cpp).
inline constexpr const char* kSecret =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
inline constexpr const char* kOtherSecret =
    "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
inline constexpr Snowflake kAlice = 123456789012345678;
inline constexpr Snowflake kBob = 234567890123456789;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "lantern-storage-XXXXXX");
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::unique_ptr<Database> open_db(const std::string& path) {
  auto opened = open_sqlite_database({path, 5000});
  if (!opened.database) ADD_FAILURE() << opened.error;
  return std::move(opened.database);
}

inline std::unique_ptr<Service> open(const std::string& path, const char* secret = kSecret,
                                     Service::Options options = {}) {
  auto opened = open_service({path, secret, 5000, options});
  if (!opened.service) ADD_FAILURE() << opened.error;
  return std::move(opened.service);
}

// Waits (with a generous deadline, never a timing assertion) for a future.
template <typename T>
T get(std::future<T>& future) {
  if (future.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    ADD_FAILURE() << "storage operation did not complete";
    std::abort();
  }
  return future.get();
}

inline WriteResult put(Service& s, Snowflake user, std::string key, std::string value) {
  std::promise<WriteResult> p;
  auto f = p.get_future();
  EXPECT_TRUE(
      s.put(user, std::move(key), std::move(value), [&p](WriteResult r) { p.set_value(r); }));
  return get(f);
}

inline WriteResult patch(Service& s, Snowflake user, std::string key, std::string value) {
  std::promise<WriteResult> p;
  auto f = p.get_future();
  EXPECT_TRUE(
      s.patch(user, std::move(key), std::move(value), [&p](WriteResult r) { p.set_value(r); }));
  return get(f);
}

inline WriteResult erase(Service& s, Snowflake user, std::string key) {
  std::promise<WriteResult> p;
  auto f = p.get_future();
  EXPECT_TRUE(s.delete_key(user, std::move(key), [&p](WriteResult r) { p.set_value(r); }));
  return get(f);
}

inline std::string create_token(Service& s, Snowflake user) {
  std::promise<std::pair<Status, std::string>> p;
  auto f = p.get_future();
  EXPECT_TRUE(s.create_or_replace_token(user, [&p](Status st, std::string token) {
    p.set_value({st, std::move(token)});
  }));
  auto [status, token] = get(f);
  EXPECT_EQ(status, Status::kOk);
  return token;
}

inline Status authenticate(Service& s, Snowflake user, std::string token) {
  std::promise<Status> p;
  auto f = p.get_future();
  EXPECT_TRUE(s.authenticate(user, std::move(token), [&p](Status st) { p.set_value(st); }));
  return get(f);
}

inline std::pair<Status, StoragePairsPtr> pairs(Service& s, Snowflake user) {
  std::promise<std::pair<Status, StoragePairsPtr>> p;
  auto f = p.get_future();
  EXPECT_TRUE(s.get_pairs(user, [&p](Status st, StoragePairsPtr pairs) {
    p.set_value({st, std::move(pairs)});
  }));
  return get(f);
}

inline std::pair<Status, std::string> value(Service& s, Snowflake user, std::string key) {
  std::promise<std::pair<Status, std::string>> p;
  auto f = p.get_future();
  EXPECT_TRUE(s.get_value(user, std::move(key), [&p](Status st, std::string v) {
    p.set_value({st, std::move(v)});
  }));
  return get(f);
}

}  // namespace lantern::storage::testing
