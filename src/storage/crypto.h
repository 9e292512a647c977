// Token cryptography: AES-256-GCM encryption of stored tokens, token minting and
// constant-time comparison.
//
// Compatibility: the encrypted form is exactly the original Lantern's (Node
// `crypto.createCipheriv('aes-256-gcm', Buffer.from(secret, 'hex'), iv)` with a
// random 16-byte iv, no additional data, a 16-byte tag), each part stored as
// lowercase hex. Tokens imported from the original deployment therefore decrypt
// and authenticate with the same KV_TOKEN_ENCRYPTION_SECRET.
//
// Threading: every function here is pure or uses OpenSSL's thread-safe RNG;
// a TokenCipher is immutable after construction and may be shared between threads.
//
// Secrets: nothing in this file logs. Callers must never log a token, a decrypted
// token or the secret; error messages produced here never contain them.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "util/snowflake.h"

namespace lantern::storage {

// One encrypted token as persisted (and as the original's Mongo document held it:
// `token: {iv, encryptedText, tag}`), every member lowercase hex.
struct EncryptedToken {
  std::string iv_hex;          // 16 bytes -> 32 hex characters
  std::string ciphertext_hex;  // as long as the plaintext
  std::string tag_hex;         // 16 bytes -> 32 hex characters

  bool operator==(const EncryptedToken&) const = default;
};

// AES-256-GCM under the 32-byte key given as KV_TOKEN_ENCRYPTION_SECRET.
class TokenCipher {
 public:
  // `secret_hex` must be exactly 64 hexadecimal characters (either case).
  // Returns nullopt otherwise; the caller reports "KV_TOKEN_ENCRYPTION_SECRET must
  // be 64 hexadecimal characters" without echoing the value.
  static std::optional<TokenCipher> from_hex_secret(std::string_view secret_hex);

  TokenCipher(const TokenCipher& other) = default;
  TokenCipher& operator=(const TokenCipher& other) = default;
  ~TokenCipher();  // wipes the key (OPENSSL_cleanse)

  // Encrypts `plaintext` under a fresh random 16-byte iv (RAND_bytes).
  // Aborts only on OpenSSL internal failure (RNG or cipher init), which cannot be
  // recovered from meaningfully.
  EncryptedToken encrypt(std::string_view plaintext) const;

  // Returns the plaintext, or nullopt when any part is malformed (not hex, iv not
  // 16 bytes, tag not 16 bytes) or authentication fails (wrong key, tampered iv,
  // ciphertext or tag).
  std::optional<std::string> decrypt(const EncryptedToken& token) const;

 private:
  TokenCipher() = default;
  std::array<unsigned char, 32> key_{};
};

// A new token for `user_id`: base64 of "<user_id>:<32 lowercase hex>" where the hex
// is 16 bytes from RAND_bytes (the original's `/storage create token` format).
std::string generate_token(Snowflake user_id);

// The user id a token names (the part before ':' of its base64-decoded form), or
// nullopt when the token is not of the generate_token shape. This says nothing about
// validity: only comparing against the stored token authenticates.
std::optional<Snowflake> token_user_id(std::string_view token);

// Equality whose running time does not depend on where the inputs differ
// (CRYPTO_memcmp). Inputs of different lengths compare unequal; only the length
// (which is public for tokens: fixed by the format) may influence timing.
bool constant_time_equal(std::string_view a, std::string_view b);

// Lowercase hex of `bytes`; and the inverse, nullopt for odd length or a non-hex
// character.
std::string to_hex(std::string_view bytes);
std::optional<std::string> from_hex(std::string_view hex);

// Standard base64 (with padding) through EVP_EncodeBlock / EVP_DecodeBlock.
// base64_decode returns nullopt for malformed input.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace lantern::storage
