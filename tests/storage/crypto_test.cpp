#include "storage/crypto.h"

#include <gtest/gtest.h>

#include <set>

#include "storage_test_support.h"

namespace lantern::storage {
namespace {

// Produced by the original Lantern's scheme (server/lib/utils/encryption.js) with
// Node v20 during development:
//
//   node -e '
//   const c=require("crypto");
//   const secret="000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
//   const iv=Buffer.from("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf","hex");
//   const token=Buffer.from("123456789012345678:0123456789abcdef0123456789abcdef")
//       .toString("base64");
//   const ci=c.createCipheriv("aes-256-gcm",Buffer.from(secret,"hex"),iv);
//   const enc=Buffer.concat([ci.update(token,"utf-8"),ci.final()]);
//   console.log(JSON.stringify({token,iv:iv.toString("hex"),
//       encryptedText:enc.toString("hex"),tag:ci.getAuthTag().toString("hex")}));'
//
// (the original draws the iv from crypto.randomBytes(16); it is fixed here so the
// vector is reproducible).
constexpr const char* kNodeToken =
    "MTIzNDU2Nzg5MDEyMzQ1Njc4OjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVm";
const EncryptedToken kNodeEncrypted{
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
    "67f76ac6568998448de47884a050c8e9cf3f1248305e3298b2782bce545f6bb742c5bf50da97d3d5b7647e"
    "c94215ee87576eee189a41f813a8431951f832ea8353d9a06f",
    "95b269f5ccc58970a86b57fa813701cd"};

TokenCipher cipher(const char* secret = testing::kSecret) {
  return *TokenCipher::from_hex_secret(secret);
}

TEST(TokenCipher, RejectsSecretsThatAreNot64HexCharacters) {
  EXPECT_FALSE(TokenCipher::from_hex_secret(""));
  EXPECT_FALSE(TokenCipher::from_hex_secret(std::string(63, 'a')));
  EXPECT_FALSE(TokenCipher::from_hex_secret(std::string(65, 'a')));
  EXPECT_FALSE(TokenCipher::from_hex_secret(std::string(63, 'a') + "g"));
  EXPECT_TRUE(TokenCipher::from_hex_secret(std::string(64, 'A')));
}

TEST(TokenCipher, RoundTrip) {
  const auto c = cipher();
  for (std::string plain : {std::string("x"), std::string(kNodeToken), std::string(1000, 'z')}) {
    const auto encrypted = c.encrypt(plain);
    EXPECT_EQ(encrypted.iv_hex.size(), 32u);
    EXPECT_EQ(encrypted.tag_hex.size(), 32u);
    EXPECT_EQ(encrypted.ciphertext_hex.size(), 2 * plain.size());
    EXPECT_NE(*from_hex(encrypted.ciphertext_hex), plain);
    EXPECT_EQ(c.decrypt(encrypted), plain);
  }
}

TEST(TokenCipher, FreshIvEveryTime) {
  const auto c = cipher();
  const auto a = c.encrypt("same");
  const auto b = c.encrypt("same");
  EXPECT_NE(a.iv_hex, b.iv_hex);
  EXPECT_NE(a.ciphertext_hex, b.ciphertext_hex);
}

TEST(TokenCipher, DecryptsTheOriginalNodeScheme) {
  EXPECT_EQ(cipher().decrypt(kNodeEncrypted), kNodeToken);
}

TEST(TokenCipher, WrongKeyFails) {
  EXPECT_EQ(cipher(testing::kOtherSecret).decrypt(kNodeEncrypted), std::nullopt);
}

// Flips one bit of the hex-encoded field at byte `index`.
std::string flip_bit(const std::string& hex, std::size_t index) {
  std::string bytes = *from_hex(hex);
  bytes[index] = static_cast<char>(bytes[index] ^ 0x01);
  return to_hex(bytes);
}

TEST(TokenCipher, TamperingWithCiphertextIvOrTagIsDetected) {
  const auto c = cipher();
  for (std::size_t i : {std::size_t{0}, std::size_t{7}, std::size_t{15}}) {
    auto t = kNodeEncrypted;
    t.ciphertext_hex = flip_bit(t.ciphertext_hex, i);
    EXPECT_EQ(c.decrypt(t), std::nullopt) << "ciphertext byte " << i;
    t = kNodeEncrypted;
    t.iv_hex = flip_bit(t.iv_hex, i);
    EXPECT_EQ(c.decrypt(t), std::nullopt) << "iv byte " << i;
    t = kNodeEncrypted;
    t.tag_hex = flip_bit(t.tag_hex, i);
    EXPECT_EQ(c.decrypt(t), std::nullopt) << "tag byte " << i;
  }
}

TEST(TokenCipher, MalformedPartsFail) {
  const auto c = cipher();
  auto t = kNodeEncrypted;
  t.tag_hex.pop_back();  // odd length
  EXPECT_EQ(c.decrypt(t), std::nullopt);
  t = kNodeEncrypted;
  t.tag_hex = t.tag_hex.substr(0, 24);  // 12-byte tag: refused, not truncated-tag accepted
  EXPECT_EQ(c.decrypt(t), std::nullopt);
  t = kNodeEncrypted;
  t.iv_hex = t.iv_hex.substr(0, 24);  // 12-byte iv: not the original's format
  EXPECT_EQ(c.decrypt(t), std::nullopt);
  t = kNodeEncrypted;
  t.ciphertext_hex[0] = 'x';
  EXPECT_EQ(c.decrypt(t), std::nullopt);
  t = kNodeEncrypted;
  t.ciphertext_hex.clear();
  EXPECT_EQ(c.decrypt(t), std::nullopt);
}

TEST(Token, FormatIsBase64OfUserIdColonRandomHex) {
  const std::string token = generate_token(testing::kAlice);
  const auto decoded = base64_decode(token);
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->size(), 18u + 1u + 32u);
  EXPECT_EQ(decoded->substr(0, 19), "123456789012345678:");
  EXPECT_EQ(decoded->find_first_not_of("0123456789abcdef", 19), std::string::npos);
  EXPECT_EQ(token_user_id(token), testing::kAlice);
}

TEST(Token, TokensAreUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.insert(generate_token(testing::kAlice)).second);
}

TEST(Token, UserIdOfForeignShapes) {
  EXPECT_EQ(token_user_id(kNodeToken), testing::kAlice);
  EXPECT_EQ(token_user_id(""), std::nullopt);
  EXPECT_EQ(token_user_id("not base64!"), std::nullopt);
  EXPECT_EQ(token_user_id(base64_encode("123:short")), std::nullopt);
  EXPECT_EQ(token_user_id(base64_encode("abc:0123456789abcdef0123456789abcdef")), std::nullopt);
}

TEST(Base64, MatchesKnownValuesAndRejectsGarbage) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm9v"), "foo");
  EXPECT_EQ(base64_decode("Zm9"), std::nullopt);
  EXPECT_EQ(base64_decode("Zm9*"), std::nullopt);
}

TEST(ConstantTimeEqual, ComparesExactly) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("abcd", "abc"));
  EXPECT_FALSE(constant_time_equal("", "a"));
}

}  // namespace
}  // namespace lantern::storage
