#include "card/badges.h"

#include <array>
#include <string_view>
#include <utility>

namespace lantern::card {
namespace {

constexpr std::array<std::pair<std::uint64_t, Badge>, 13> kFlagBadges = {{
    {1ull << 0, Badge::kStaff},
    {1ull << 1, Badge::kPartner},
    {1ull << 2, Badge::kHypesquadEvents},
    {1ull << 3, Badge::kBugHunter1},
    {1ull << 6, Badge::kHypesquadBravery},
    {1ull << 7, Badge::kHypesquadBrilliance},
    {1ull << 8, Badge::kHypesquadBalance},
    {1ull << 9, Badge::kEarlySupporter},
    {1ull << 14, Badge::kBugHunter2},
    {1ull << 16, Badge::kVerifiedBot},
    {1ull << 17, Badge::kVerifiedDeveloper},
    {1ull << 18, Badge::kCertifiedModerator},
    {1ull << 22, Badge::kActiveDeveloper},
}};

// Background shapes, drawn in the badge colour.
constexpr std::string_view kCircle = R"(<circle cx="10" cy="10" r="10" fill=")";
constexpr std::string_view kSquare = R"(<rect width="20" height="20" rx="5" fill=")";
constexpr std::string_view kShield =
    R"(<path d="M10 1l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V4z" fill=")";
constexpr std::string_view kDiamond = R"(<path d="M10 0.5l9.5 9.5-9.5 9.5-9.5-9.5z" fill=")";
constexpr std::string_view kHexagon =
    R"(<path d="M10 0.5l8.5 4.75v9.5L10 19.5l-8.5-4.75v-9.5z" fill=")";

// White marks on top of the shapes.
constexpr std::string_view kStar =
    R"(<path d="M10 3.5l1.9 4 4.3.5-3.2 2.9.9 4.3L10 13l-3.9 2.2.9-4.3L3.8 8l4.3-.5z" fill="#fff"/>)";
constexpr std::string_view kInfinity =
    R"(<g fill="none" stroke="#fff" stroke-width="2"><circle cx="7" cy="10" r="3"/><circle cx="13" cy="10" r="3"/></g>)";
constexpr std::string_view kInnerDiamond = R"(<path d="M10 6l4 4-4 4-4-4z" fill="#fff"/>)";
constexpr std::string_view kBug =
    R"(<ellipse cx="10" cy="11.5" rx="3.5" ry="4.5" fill="#fff"/><circle cx="10" cy="5.5" r="2" fill="#fff"/>)"
    R"(<path d="M4 9h3M13 9h3M4 13h3M13 13h3" stroke="#fff" stroke-width="1.5"/>)";
constexpr std::string_view kChevron = R"(<path d="M6 7l4 3 4-3v3.5l-4 3-4-3z" fill="#fff"/>)";
constexpr std::string_view kDot = R"(<circle cx="10" cy="9.5" r="3.5" fill="#fff"/>)";
constexpr std::string_view kHeart =
    R"(<path d="M10 15l-4.6-4.4a2.7 2.7 0 0 1 4.6-3.3 2.7 2.7 0 0 1 4.6 3.3z" fill="#fff"/>)";
constexpr std::string_view kCheck =
    R"(<path d="M5.5 10.5l3 3 6-7" fill="none" stroke="#fff" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/>)";
constexpr std::string_view kCode =
    R"(<path d="M8 6.5l-3.5 3.5 3.5 3.5M12 6.5l3.5 3.5-3.5 3.5" fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>)";

struct Drawing {
  std::string_view shape;
  std::string_view color;
  std::string_view mark;
};

Drawing drawing_of(Badge badge) {
  switch (badge) {
    case Badge::kStaff:
      return {kCircle, "#5865f2", kStar};
    case Badge::kPartner:
      return {kSquare, "#5865f2", kInfinity};
    case Badge::kHypesquadEvents:
      return {kDiamond, "#f47b67", kInnerDiamond};
    case Badge::kBugHunter1:
      return {kCircle, "#3ba55c", kBug};
    case Badge::kHypesquadBravery:
      return {kShield, "#9c84ef", kChevron};
    case Badge::kHypesquadBrilliance:
      return {kShield, "#f47b67", kDot};
    case Badge::kHypesquadBalance:
      return {kShield, "#45ddc0", kInnerDiamond};
    case Badge::kEarlySupporter:
      return {kCircle, "#b473f5", kHeart};
    case Badge::kBugHunter2:
      return {kCircle, "#f0b232", kBug};
    case Badge::kVerifiedBot:
      return {kSquare, "#5865f2", kCheck};
    case Badge::kVerifiedDeveloper:
      return {kHexagon, "#3e70dd", kCode};
    case Badge::kCertifiedModerator:
      return {kShield, "#5865f2", kCheck};
    case Badge::kActiveDeveloper:
      return {kCircle, "#23a55a", kCode};
  }
  return {kCircle, "#80848e", {}};
}

}  // namespace

std::vector<Badge> badges_for(std::uint64_t public_flags) {
  std::vector<Badge> out;
  for (const auto& [bit, badge] : kFlagBadges) {
    if (public_flags & bit) out.push_back(badge);
  }
  return out;
}

void append_badge(std::string& out, Badge badge, double x, double y) {
  const Drawing d = drawing_of(badge);
  out += "<g transform=\"translate(";
  out += std::to_string(static_cast<int>(x));
  out += ' ';
  out += std::to_string(static_cast<int>(y));
  out += ")\">";
  out += d.shape;
  out += d.color;
  out += "\"/>";
  out += d.mark;
  out += "</g>";
}

}  // namespace lantern::card
