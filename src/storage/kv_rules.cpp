#include "storage/kv_rules.h"

namespace lantern::storage {

std::optional<std::string_view> validate_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyLength) return kErrorBadKey;
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!ok) return kErrorBadKey;
  }
  return std::nullopt;
}

std::optional<std::string_view> validate_value(std::string_view value) {
  // Cheap bound first: every code point takes at least one byte.
  if (value.size() <= kMaxValueCodePoints) {
    if (!utf8_code_points(value)) return kErrorValueRequired;
    return std::nullopt;
  }
  const auto count = utf8_code_points(value);
  if (!count) return kErrorValueRequired;
  if (*count > kMaxValueCodePoints) return kErrorValueTooLong;
  return std::nullopt;
}

std::optional<std::size_t> utf8_code_points(std::string_view text) {
  std::size_t count = 0;
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    std::size_t len;
    char32_t cp;
    if (b0 < 0x80) {
      ++i;
      ++count;
      continue;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
      cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      cp = b0 & 0x0F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      cp = b0 & 0x07;
    } else {
      return std::nullopt;  // continuation byte first, C0/C1 overlong lead, or > U+10FFFF
    }
    if (n - i < len) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (b & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return std::nullopt;  // overlong
    if (cp >= 0xD800 && cp <= 0xDFFF) return std::nullopt;                            // surrogate
    if (cp > 0x10FFFF) return std::nullopt;
    i += len;
    ++count;
  }
  return count;
}

}  // namespace lantern::storage
