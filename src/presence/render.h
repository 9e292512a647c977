// Rendering of the user data object (API.md section 1).
//
// A user's JSON is rendered at most once per snapshot of their data (on the
// first read, see presence/store.h) and kept as text.
// Only one value depends on the moment of the read, Spotify's elapsed time
// (written twice, as start_ and current_human_readable), so the text is kept
// with two holes at known offsets and a read is five appends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "presence/model.h"

namespace lantern::presence {

struct RenderedUser {
  // The complete object, except that with a Spotify track whose start is known
  // the elapsed time is missing at two offsets (`first_hole` <= `second_hole`):
  //   text[0, first) + elapsed + text[first, second) + elapsed + text[second, end).
  std::string text;
  std::size_t first_hole = 0;
  std::size_t second_hole = 0;
  std::optional<std::int64_t> spotify_start_ms;  // set iff there are holes
  std::optional<std::int64_t> spotify_length_s;  // unknown when Discord sent no end

  // Appends the complete object for a read at `now_ms`.
  void append_to(std::string& out, std::int64_t now_ms) const;
  std::size_t size_bytes() const { return text.size() + (spotify_start_ms ? 16 : 0); }
};

// Renders `member` with `presence` (a non-online presence renders as the offline
// member of API.md: every platform "offline", no Spotify, no activities).
// `storage` may be null (no pairs). Key order follows API.md section 1.
RenderedUser render_user(const Member& member, const Presence& presence,
                         std::optional<std::int64_t> last_seen_ms, const StoragePairs* storage);

// Spotify's elapsed time at `now_ms`: floor((now - start) / 1000) clamped to
// [0, length] (no upper bound when the length is unknown), as format_duration().
std::string spotify_elapsed(std::int64_t now_ms, std::int64_t start_ms,
                            std::optional<std::int64_t> length_s);

// Appends `text` as a JSON string literal (quotes included), escaping '"', '\'
// and control characters. `text` must be UTF-8 (Boost.JSON validates what
// Discord sends); it is copied byte for byte otherwise.
void append_json_string(std::string& out, std::string_view text);

}  // namespace lantern::presence
