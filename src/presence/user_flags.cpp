#include "presence/user_flags.h"

#include <array>
#include <utility>

namespace lantern::presence {
namespace {

// (bit, name) in ascending bit order: discord.js UserFlags / discord-api-types v10.
constexpr std::array<std::pair<int, std::string_view>, 23> kUserFlags{{
    {0, "Staff"},
    {1, "Partner"},
    {2, "Hypesquad"},
    {3, "BugHunterLevel1"},
    {4, "MFASMS"},
    {5, "PremiumPromoDismissed"},
    {6, "HypeSquadOnlineHouse1"},
    {7, "HypeSquadOnlineHouse2"},
    {8, "HypeSquadOnlineHouse3"},
    {9, "PremiumEarlySupporter"},
    {10, "TeamPseudoUser"},
    {13, "HasUnreadUrgentMessages"},
    {14, "BugHunterLevel2"},
    {16, "VerifiedBot"},
    {17, "VerifiedDeveloper"},
    {18, "CertifiedModerator"},
    {19, "BotHTTPInteractions"},
    {20, "Spammer"},
    {21, "DisablePremium"},
    {22, "ActiveDeveloper"},
    {44, "Quarantined"},
    {50, "Collaborator"},
    {51, "RestrictedCollaborator"},
}};

}  // namespace

std::vector<std::string_view> user_flag_names(std::uint64_t flags) {
  std::vector<std::string_view> names;
  for (const auto& [bit, name] : kUserFlags) {
    if (flags & (std::uint64_t{1} << bit)) names.push_back(name);
  }
  return names;
}

}  // namespace lantern::presence
