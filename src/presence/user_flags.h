// Names of Discord's public user flags, as discord.js `UserFlags` spells them.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace lantern::presence {

// The discord.js name of every known bit set in `flags`, in ascending bit order.
//
// Decision (see docs/api-notes.md): bits 44 (Quarantined), 50 (Collaborator) and
// 51 (RestrictedCollaborator) ARE reported. discord.js drops them because its
// BitField tests bits with JavaScript's 32-bit `&`; that is a bug in the
// reference, not a behaviour clients depend on, and API.md section 1 asks for
// "bits above 31 included". Unnamed bits (11, 12, 15, ...) are left out of the
// list but stay in the bitfield.
std::vector<std::string_view> user_flag_names(std::uint64_t flags);

}  // namespace lantern::presence
