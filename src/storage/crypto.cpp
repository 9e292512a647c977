#include "storage/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <memory>

namespace lantern::storage {
namespace {

constexpr std::size_t kIvBytes = 16;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kTokenRandomBytes = 16;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

// OpenSSL failing to set up AES-GCM or to produce random bytes means the process
// cannot keep its security promises; there is nothing sensible to return.
[[noreturn]] void crypto_failure() {
  std::abort();
}

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<TokenCipher> TokenCipher::from_hex_secret(std::string_view secret_hex) {
  if (secret_hex.size() != 64) return std::nullopt;
  TokenCipher cipher;
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = hex_value(secret_hex[2 * i]);
    const int lo = hex_value(secret_hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    cipher.key_[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return cipher;
}

TokenCipher::~TokenCipher() {
  OPENSSL_cleanse(key_.data(), key_.size());
}

EncryptedToken TokenCipher::encrypt(std::string_view plaintext) const {
  unsigned char iv[kIvBytes];
  if (RAND_bytes(iv, sizeof iv) != 1) crypto_failure();

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) crypto_failure();
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kIvBytes, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), iv) != 1) {
    crypto_failure();
  }
  std::string out(plaintext.size() + 16, '\0');
  int len = 0;
  int total = 0;
  auto* out_bytes = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_EncryptUpdate(ctx.get(), out_bytes, &len, bytes_of(plaintext),
                        static_cast<int>(plaintext.size())) != 1) {
    crypto_failure();
  }
  total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), out_bytes + total, &len) != 1) crypto_failure();
  total += len;
  out.resize(static_cast<std::size_t>(total));

  unsigned char tag[kTagBytes];
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) != 1) {
    crypto_failure();
  }
  EncryptedToken result{to_hex(std::string_view(reinterpret_cast<const char*>(iv), sizeof iv)),
                        to_hex(out),
                        to_hex(std::string_view(reinterpret_cast<const char*>(tag), sizeof tag))};
  OPENSSL_cleanse(out.data(), out.size());
  return result;
}

std::optional<std::string> TokenCipher::decrypt(const EncryptedToken& token) const {
  const auto iv = from_hex(token.iv_hex);
  const auto ciphertext = from_hex(token.ciphertext_hex);
  auto tag = from_hex(token.tag_hex);
  if (!iv || !ciphertext || !tag || iv->size() != kIvBytes || tag->size() != kTagBytes) {
    return std::nullopt;
  }

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) crypto_failure();
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kIvBytes, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), bytes_of(*iv)) != 1) {
    crypto_failure();
  }
  std::string plain(ciphertext->size() + 16, '\0');
  auto* plain_bytes = reinterpret_cast<unsigned char*>(plain.data());
  int len = 0;
  if (EVP_DecryptUpdate(ctx.get(), plain_bytes, &len, bytes_of(*ciphertext),
                        static_cast<int>(ciphertext->size())) != 1) {
    return std::nullopt;
  }
  int total = len;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag->data()) != 1) {
    return std::nullopt;
  }
  // Final verifies the tag; on mismatch nothing decrypted may be used.
  if (EVP_DecryptFinal_ex(ctx.get(), plain_bytes + total, &len) != 1) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return std::nullopt;
  }
  total += len;
  plain.resize(static_cast<std::size_t>(total));
  return plain;
}

std::string generate_token(Snowflake user_id) {
  unsigned char random[kTokenRandomBytes];
  if (RAND_bytes(random, sizeof random) != 1) crypto_failure();
  std::string plain = to_string(user_id);
  plain += ':';
  plain += to_hex(std::string_view(reinterpret_cast<const char*>(random), sizeof random));
  std::string token = base64_encode(plain);
  OPENSSL_cleanse(plain.data(), plain.size());
  OPENSSL_cleanse(random, sizeof random);
  return token;
}

std::optional<Snowflake> token_user_id(std::string_view token) {
  const auto decoded = base64_decode(token);
  if (!decoded) return std::nullopt;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  const std::string_view rest = std::string_view(*decoded).substr(colon + 1);
  if (rest.size() != 2 * kTokenRandomBytes) return std::nullopt;
  for (char c : rest) {
    if (hex_value(c) < 0) return std::nullopt;
  }
  return parse_wire_snowflake(std::string_view(*decoded).substr(0, colon));
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    // Keep the work proportional to the presented input either way.
    (void)CRYPTO_memcmp(a.data(), a.data(), a.size());
    return false;
  }
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xF];
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = hex_value(hex[i]);
    const int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes_of(bytes),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  // EVP_DecodeBlock wants whole 4-character groups and reports padding as zero
  // bytes, so check the shape here and drop the padded bytes afterwards.
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  std::string out(3 * text.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes_of(text),
                                static_cast<int>(text.size()));
  if (n < 0 || static_cast<std::size_t>(n) < padding) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

}  // namespace lantern::storage
