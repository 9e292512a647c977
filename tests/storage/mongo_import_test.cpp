#include "storage/mongo_import.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "storage_test_support.h"

namespace lantern::storage {
namespace {

using testing::kAlice;
using testing::kBob;

// A hand-made mongoexport of the original deployment. Alice's token was produced
// by the original scheme with Node (see crypto_test.cpp for the command).
constexpr const char* kAliceToken =
    "MTIzNDU2Nzg5MDEyMzQ1Njc4OjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVm";

std::string export_text() {
  return std::string(
      R"({"_id":{"$oid":"6630f0a1b2c3d4e5f6a7b8c9"},"id":"123456789012345678","lastSeenAt":{"$date":"2021-05-03T00:00:00.000Z"},"createdAt":{"$date":"2021-01-01T00:00:00Z"}})"
      "\n"
      R"({"_id":{"$oid":"6630f0a1b2c3d4e5f6a7b8ca"},"id":"234567890123456789","lastSeenAt":{"$date":{"$numberLong":"1620000000123"}}})"
      "\n"
      R"({"_id":{"$oid":"6630f0a1b2c3d4e5f6a7b8cb"},"id":"345678901234567890","lastSeenAt":null})"
      "\n"
      "\n"
      "this is not json\n"
      R"({"_id":{"$oid":"6630f0a1b2c3d4e5f6a7b8cc"},"userId":"123456789012345678","token":{"iv":"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf","encryptedText":"67f76ac6568998448de47884a050c8e9cf3f1248305e3298b2782bce545f6bb742c5bf50da97d3d5b7647ec94215ee87576eee189a41f813a8431951f832ea8353d9a06f","tag":"95b269f5ccc58970a86b57fa813701cd"},"kv":{"theme":"dark","bio":"héllo 😀"},"createdAt":{"$date":"2021-02-01T00:00:00Z"}})"
      "\n"
      R"({"_id":{"$oid":"x"},"userId":"234567890123456789","token":{"iv":"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf","encryptedText":"00","tag":"95b269f5ccc58970a86b57fa813701cd"},"kv":{}})"
      "\n"
      R"({"userId":"456789012345678901","token":{"iv":"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf","encryptedText":"67f76ac6568998448de47884a050c8e9cf3f1248305e3298b2782bce545f6bb742c5bf50da97d3d5b7647ec94215ee87576eee189a41f813a8431951f832ea8353d9a06f","tag":"95b269f5ccc58970a86b57fa813701cd"},"kv":{"bad-key":"v"}})"
      "\n"
      R"({"something":"else"})"
      "\n"
      R"([1,2,3])"
      "\r\n");
}

TEST(MongoImport, ImportsUsersAndStoragesAndReportsBadLines) {
  testing::TempDir dir;
  const auto path = dir.file("lantern.db");
  const auto cipher = *TokenCipher::from_hex_secret(testing::kSecret);
  {
    auto db = testing::open_db(path);
    std::istringstream input(export_text());
    const auto summary = import_mongo_export(*db, cipher, input);
    EXPECT_EQ(summary.users, 3u);
    EXPECT_EQ(summary.storages, 1u);
    EXPECT_EQ(summary.blank, 1u);
    ASSERT_EQ(summary.problems.size(), 5u);
    EXPECT_EQ(summary.problems[0].line, 5u);
    EXPECT_NE(summary.problems[0].reason.find("not valid JSON"), std::string::npos);
    EXPECT_EQ(summary.problems[1].line, 7u);
    EXPECT_NE(summary.problems[1].reason.find("does not decrypt"), std::string::npos);
    EXPECT_EQ(summary.problems[2].line, 8u);
    EXPECT_NE(summary.problems[2].reason.find("key must be"), std::string::npos);
    EXPECT_EQ(summary.problems[3].line, 9u);
    EXPECT_EQ(summary.problems[4].line, 10u);
    for (const auto& problem : summary.problems) {
      EXPECT_EQ(problem.reason.find(kAliceToken), std::string::npos);
    }

    // Re-running is harmless: same counts, same state.
    std::istringstream again(export_text());
    const auto second = import_mongo_export(*db, cipher, again);
    EXPECT_EQ(second.users, 3u);
    EXPECT_EQ(second.storages, 1u);
    EXPECT_EQ(second.problems.size(), 5u);
    EXPECT_EQ(db->pairs(kAlice), (presence::StoragePairs{{"bio", "héllo 😀"}, {"theme", "dark"}}));
    EXPECT_EQ(db->pairs(kBob), std::nullopt);
    EXPECT_EQ(db->all_last_seen(), (std::vector<std::pair<Snowflake, std::int64_t>>{
                                       {kAlice, 1620000000000}, {kBob, 1620000000123}}));
  }

  // With the same secret the old token authenticates in Lantern afterwards.
  auto s = testing::open(path);
  ASSERT_TRUE(s);
  EXPECT_EQ(testing::authenticate(*s, kAlice, kAliceToken), Status::kOk);
  EXPECT_EQ(testing::authenticate(*s, kBob, kAliceToken), Status::kNoStorage);
  EXPECT_EQ(testing::value(*s, kAlice, "theme").second, "dark");
  EXPECT_EQ(testing::put(*s, kAlice, "new", "1").status, Status::kOk);
}

TEST(MongoImport, ImportedTokensRejectAnotherSecretAtStart) {
  testing::TempDir dir;
  const auto path = dir.file("lantern.db");
  {
    auto db = testing::open_db(path);
    std::istringstream input(export_text());
    import_mongo_export(*db, *TokenCipher::from_hex_secret(testing::kSecret), input);
  }
  auto opened = open_service({path, testing::kOtherSecret, 5000, {}});
  EXPECT_FALSE(opened.service);
}

TEST(MongoImport, DateForms) {
  testing::TempDir dir;
  auto db = testing::open_db(dir.file("db"));
  std::istringstream input(R"({"id":"1","lastSeenAt":{"$date":1620000000999}})"
                           "\n"
                           R"({"id":"2","lastSeenAt":{"$date":"2021-05-03T00:00:00Z"}})"
                           "\n"
                           R"({"id":"3","lastSeenAt":{"$date":"yesterday"}})"
                           "\n"
                           R"({"id":"4"})"
                           "\n"
                           R"({"id":12345})"
                           "\n");
  const auto summary =
      import_mongo_export(*db, *TokenCipher::from_hex_secret(testing::kSecret), input);
  EXPECT_EQ(summary.users, 3u);
  ASSERT_EQ(summary.problems.size(), 2u);
  EXPECT_EQ(summary.problems[0].line, 3u);
  EXPECT_EQ(summary.problems[1].line, 5u);
  EXPECT_EQ(db->all_last_seen(), (std::vector<std::pair<Snowflake, std::int64_t>>{
                                     {1, 1620000000999}, {2, 1620000000000}}));
}

TEST(MongoImport, CommandReportsFileAndLineAndExitCodes) {
  testing::TempDir dir;
  const auto db_path = dir.file("lantern.db");
  const auto export_path = dir.file("export.json");
  {
    std::ofstream out(export_path, std::ios::binary);
    out << export_text();
  }
  const StorageConfig config{db_path, testing::kSecret, 5000, {}};
  std::ostringstream report;
  EXPECT_EQ(run_import_mongo(config, {export_path}, report), 1);
  EXPECT_NE(report.str().find(export_path + ":5: not valid JSON"), std::string::npos)
      << report.str();
  EXPECT_NE(report.str().find("imported 3 users and 1 storages; 5 lines skipped"),
            std::string::npos)
      << report.str();
  EXPECT_EQ(report.str().find(kAliceToken), std::string::npos);

  // A wrong secret for a database that already holds tokens: refused, exit 2.
  std::ostringstream wrong;
  EXPECT_EQ(run_import_mongo({db_path, testing::kOtherSecret, 5000, {}}, {export_path}, wrong), 2);
  EXPECT_NE(wrong.str().find("does not decrypt"), std::string::npos);
  EXPECT_EQ(wrong.str().find(testing::kOtherSecret), std::string::npos);

  std::ostringstream missing;
  EXPECT_EQ(run_import_mongo(config, {dir.file("nope.json")}, missing), 2);

  // A clean file: exit 0.
  const auto clean_path = dir.file("clean.json");
  {
    std::ofstream out(clean_path);
    out << R"({"id":"123456789012345678","lastSeenAt":null})"
        << "\n";
  }
  std::ostringstream clean;
  EXPECT_EQ(run_import_mongo(config, {clean_path}, clean), 0) << clean.str();
}

}  // namespace
}  // namespace lantern::storage
