#include "presence/user_flags.h"

#include <gtest/gtest.h>

namespace lantern::presence {
namespace {

using Names = std::vector<std::string_view>;

TEST(UserFlagsTest, NamesKnownBitsInAscendingOrder) {
  EXPECT_EQ(user_flag_names(0), Names{});
  EXPECT_EQ(user_flag_names(64), Names{"HypeSquadOnlineHouse1"});
  EXPECT_EQ(user_flag_names(4194304 | 256 | 1),
            (Names{"Staff", "HypeSquadOnlineHouse3", "ActiveDeveloper"}));
}

TEST(UserFlagsTest, ReportsBitsAbove31) {
  const std::uint64_t flags = (std::uint64_t{1} << 51) | (std::uint64_t{1} << 50) |
                              (std::uint64_t{1} << 44) | (std::uint64_t{1} << 22);
  EXPECT_EQ(user_flag_names(flags),
            (Names{"ActiveDeveloper", "Quarantined", "Collaborator", "RestrictedCollaborator"}));
}

TEST(UserFlagsTest, UnnamedBitsAreSkipped) {
  const std::uint64_t unnamed = (1u << 11) | (1u << 12) | (1u << 15) | (std::uint64_t{1} << 40);
  EXPECT_EQ(user_flag_names(unnamed | 2), Names{"Partner"});
}

}  // namespace
}  // namespace lantern::presence
