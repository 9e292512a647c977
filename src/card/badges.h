// Badges for Discord's public user flags: Lantern's own simple vector drawings (no
// Discord artwork), each fitting a 20 x 20 box. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lantern::card {

enum class Badge {
  kStaff,
  kPartner,
  kHypesquadEvents,
  kBugHunter1,
  kHypesquadBravery,
  kHypesquadBrilliance,
  kHypesquadBalance,
  kEarlySupporter,
  kBugHunter2,
  kVerifiedBot,
  kVerifiedDeveloper,
  kCertifiedModerator,
  kActiveDeveloper,
};

inline constexpr double kBadgeSize = 20;

// The badges of `public_flags`, in ascending bit order. Flags without a public badge
// (MFASMS, Spammer, Quarantined, ...) have none.
std::vector<Badge> badges_for(std::uint64_t public_flags);

// Appends the drawing of `badge` with its top-left corner at (x, y).
void append_badge(std::string& out, Badge badge, double x, double y);

}  // namespace lantern::card
