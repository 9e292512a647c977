// Text handling for the card: making untrusted user text safe for XML, estimating how
// wide it renders, cutting it to fit, and the human phrases the card prints.
// Pure functions; callable from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lantern::card {

// Cleans untrusted UTF-8 text for a single line of SVG text, *without* escaping:
//  * invalid UTF-8 becomes U+FFFD;
//  * characters XML 1.0 forbids (C0 controls, U+FFFE, U+FFFF) and the C1 controls are
//    dropped; tab, CR and LF become a space;
//  * explicit bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069) are
//    dropped so that a name cannot reorder the text around it; right-to-left letters
//    themselves are kept and render in their natural direction.
std::string sanitize_text(std::string_view text);

// Appends `text` to `out` with &, <, >, " and ' escaped. `text` must already be sanitized.
void append_escaped(std::string& out, std::string_view text);

// sanitize_text + append_escaped.
void append_xml_text(std::string& out, std::string_view untrusted);

// A conservative estimate of the rendered width of sanitized `text` in pixels at
// `font_size_px`, for the sans-serif fonts a renderer may pick (DejaVu Sans, the widest
// common one, is the yardstick). Overestimates rather than underestimates.
double estimate_text_width(std::string_view text, double font_size_px, bool bold);

// Sanitizes `text` and, when its estimated width exceeds `max_width_px`, cuts it at a
// code point boundary and appends "…" so that the result fits. Never returns more than
// fits; may return just "…" (or "" when even that does not fit).
std::string fit_text(std::string_view text, double max_width_px, double font_size_px, bool bold);

// "just now", "1 minute ago", "5 minutes ago", "3 hours ago", "2 days ago",
// "4 months ago", "1 year ago". Moments in the future read as "just now".
std::string relative_time(std::int64_t then_ms, std::int64_t now_ms);

}  // namespace lantern::card
