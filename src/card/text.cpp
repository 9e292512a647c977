#include "card/text.h"

#include <array>

namespace lantern::card {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes one code point at `i`, advancing `i`; malformed input yields U+FFFD and skips
// one byte.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07;
  } else {
    ++i;
    return kReplacement;
  }
  if (i + len > s.size()) {
    ++i;
    return kReplacement;
  }
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return kReplacement;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr std::array<char32_t, 5> kMin = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kReplacement;
  }
  i += len;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool is_dropped(char32_t cp) {
  if (cp < 0x20) return cp != '\t' && cp != '\n' && cp != '\r';
  if (cp >= 0x7F && cp <= 0x9F) return true;
  if (cp >= 0x202A && cp <= 0x202E) return true;
  if (cp >= 0x2066 && cp <= 0x2069) return true;
  return cp == 0xFFFE || cp == 0xFFFF;
}

// Marks that attach to the previous character and take no width of their own.
bool is_zero_width(char32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) ||
         (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
         (cp >= 0xE0000 && cp <= 0xE007F) || cp == 0x20E3;
}

// East Asian wide characters and emoji: about one em, sometimes more.
bool is_wide(char32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2600 && cp <= 0x27BF) ||
         (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
         (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || cp >= 0x1F000;
}

// Width in em of one code point, by character class (DejaVu Sans metrics, rounded up).
double em_width(char32_t cp) {
  if (is_zero_width(cp)) return 0.0;
  if (cp == ' ') return 0.34;
  if (cp < 0x80) {
    const char c = static_cast<char>(cp);
    if (c == 'i' || c == 'j' || c == 'l' || c == '.' || c == ',' || c == ':' || c == ';' ||
        c == '!' || c == '\'' || c == '|' || c == '`') {
      return 0.36;
    }
    if (c == 'f' || c == 't' || c == 'r' || c == 'I' || c == '(' || c == ')' || c == '[' ||
        c == ']' || c == '{' || c == '}' || c == '"' || c == '-') {
      return 0.5;
    }
    if (c == 'm' || c == 'w' || c == 'M' || c == 'W' || c == '@' || c == '%') return 1.02;
    if (c >= 'A' && c <= 'Z') return 0.8;
    return 0.66;  // lowercase, digits and the remaining punctuation
  }
  if (is_wide(cp)) return 1.3;
  return 0.85;  // other scripts: Latin extensions, Cyrillic, Greek, Hebrew, Arabic, ...
}

constexpr double kBoldFactor = 1.12;
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";

}  // namespace

std::string sanitize_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const char32_t cp = next_code_point(text, i);
    if (cp == '\t' || cp == '\n' || cp == '\r') {
      out += ' ';
    } else if (!is_dropped(cp)) {
      append_utf8(out, cp);
    }
  }
  return out;
}

void append_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

void append_xml_text(std::string& out, std::string_view untrusted) {
  append_escaped(out, sanitize_text(untrusted));
}

double estimate_text_width(std::string_view text, double font_size_px, bool bold) {
  double em = 0;
  for (std::size_t i = 0; i < text.size();) em += em_width(next_code_point(text, i));
  return em * font_size_px * (bold ? kBoldFactor : 1.0);
}

std::string fit_text(std::string_view text, double max_width_px, double font_size_px, bool bold) {
  std::string clean = sanitize_text(text);
  if (estimate_text_width(clean, font_size_px, bold) <= max_width_px) return clean;
  const double scale = font_size_px * (bold ? kBoldFactor : 1.0);
  const double budget = max_width_px - em_width(0x2026) * scale;
  if (budget < 0) return {};
  double used = 0;
  std::size_t cut = 0;  // byte offset of the last boundary that still fits
  for (std::size_t i = 0; i < clean.size();) {
    const char32_t cp = next_code_point(clean, i);
    used += em_width(cp) * scale;
    if (used > budget) break;
    // Never end on a zero-width joiner: the cut would leave half an emoji sequence.
    if (cp != 0x200D) cut = i;
  }
  std::string out = clean.substr(0, cut);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out += kEllipsis;
  return out;
}

std::string relative_time(std::int64_t then_ms, std::int64_t now_ms) {
  const std::int64_t seconds = (now_ms - then_ms) / 1000;
  if (seconds < 60) return "just now";
  struct Unit {
    std::int64_t seconds;
    const char* name;
  };
  static constexpr std::array<Unit, 5> kUnits = {{{365 * 86400, "year"},
                                                  {30 * 86400, "month"},
                                                  {86400, "day"},
                                                  {3600, "hour"},
                                                  {60, "minute"}}};
  for (const Unit& unit : kUnits) {
    if (seconds >= unit.seconds) {
      const std::int64_t n = seconds / unit.seconds;
      return std::to_string(n) + " " + unit.name + (n == 1 ? "" : "s") + " ago";
    }
  }
  return "just now";
}

}  // namespace lantern::card
