#include "card/render.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "card/badges.h"
#include "card/image_urls.h"
#include "card/text.h"
#include "util/time.h"

namespace lantern::card {

const char* const kPlaceholderDataUri =
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNoaOkDAAMaAZMGJ77KAAAAAElFTkSuQmCC";

namespace {

using presence::Activity;
using presence::Status;

constexpr std::string_view kFontFamily =
    "'gg sans','Noto Sans','DejaVu Sans',Helvetica,Arial,sans-serif";

// Geometry, in pixels. The card is kCardWidth wide; its height follows the content.
constexpr int kPad = 20;
constexpr int kAvatar = 80;
constexpr int kTextX = kPad + kAvatar + 20;    // left edge of the profile text
constexpr int kTextRight = kCardWidth - kPad;  // right edge of all text
constexpr int kActivityImage = 64;
constexpr int kSmallImage = 24;
constexpr int kActivityTextX = kPad + kActivityImage + 16;
constexpr double kPxPerRem = 16;
// borderRadius accepts up to 10rem (API.md), but a corner rounder than 64 px would cut
// into the avatar and the activity images at kPad from the edges, so it is drawn as 64 px.
constexpr double kMaxCornerRadius = 64;

std::string fmt1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string s(buf);
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s;
}

std::string_view activity_label(int type) {
  switch (static_cast<presence::ActivityType>(type)) {
    case presence::ActivityType::kStreaming:
      return "STREAMING";
    case presence::ActivityType::kListening:
      return "LISTENING TO";
    case presence::ActivityType::kWatching:
      return "WATCHING";
    case presence::ActivityType::kCompeting:
      return "COMPETING IN";
    default:
      return "PLAYING";
  }
}

// Builds one card. Each section method appends its elements and advances `y_`, the top of
// the next section, so the card's height is known once the content is laid out.
class CardWriter {
 public:
  CardWriter(const presence::Member& member, const presence::Presence& presence,
             std::optional<std::int64_t> last_seen_ms, const CardOptions& options,
             const Theme& theme, const CardImages& images, std::int64_t now_ms)
      : member_(member),
        presence_(presence),
        last_seen_ms_(last_seen_ms),
        options_(options),
        theme_(theme),
        images_(images),
        now_ms_(now_ms) {}

  std::string render() {
    body_.reserve(2048 + images_.avatar.size() + opt_size(images_.large_image) +
                  opt_size(images_.small_image) + opt_size(images_.tag_badge));
    write_profile();
    if (!options_.hide_activity) write_activity_section();
    return wrap();
  }

 private:
  static std::size_t opt_size(const std::optional<std::string>& s) { return s ? s->size() : 0; }

  // ---- primitives --------------------------------------------------------

  // `clean` must come from fit_text/sanitize_text; it is escaped here.
  void text(int x, int y, int size, bool bold, const std::string& fill, std::string_view clean,
            bool anchor_end = false) {
    if (clean.empty()) return;
    body_ += "<text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" font-size=\"" +
             std::to_string(size) + "\" fill=\"" + fill + "\"";
    if (bold) body_ += " font-weight=\"bold\"";
    if (anchor_end) body_ += " text-anchor=\"end\"";
    body_ += '>';
    append_escaped(body_, clean);
    body_ += "</text>";
  }

  void fitted_text(int x, int y, int size, bool bold, const std::string& fill,
                   std::string_view untrusted, int max_width, bool anchor_end = false) {
    text(x, y, size, bold, fill, fit_text(untrusted, max_width, size, bold), anchor_end);
  }

  void image(const std::string& data_uri, int x, int y, int size, std::string_view clip_id) {
    const std::string& href = data_uri.empty() ? placeholder_ : data_uri;
    body_ += "<image x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
             std::to_string(size) + "\" height=\"" + std::to_string(size) +
             "\" preserveAspectRatio=\"xMidYMid slice\" clip-path=\"url(#";
    body_ += clip_id;
    body_ += ")\" xlink:href=\"";
    body_ += href;
    body_ += "\"/>";
  }

  void circle_clip(std::string_view id, int cx, int cy, int r) {
    defs_ += "<clipPath id=\"";
    defs_ += id;
    defs_ += "\"><circle cx=\"" + std::to_string(cx) + "\" cy=\"" + std::to_string(cy) + "\" r=\"" +
             std::to_string(r) + "\"/></clipPath>";
  }

  void rounded_clip(std::string_view id, int x, int y, int size, int radius) {
    defs_ += "<clipPath id=\"";
    defs_ += id;
    defs_ += "\"><rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
             std::to_string(size) + "\" height=\"" + std::to_string(size) + "\" rx=\"" +
             std::to_string(radius) + "\"/></clipPath>";
  }

  // ---- profile -----------------------------------------------------------

  void write_profile() {
    circle_clip("lantern-avatar", kPad + kAvatar / 2, kPad + kAvatar / 2, kAvatar / 2);
    image(images_.avatar, kPad, kPad, kAvatar, "lantern-avatar");
    if (!options_.hide_status) write_status_dot();

    int baseline = 46;
    write_name_row(baseline);
    if (shows_global_name()) {
      baseline += 24;
      fitted_text(kTextX, baseline, 15, false, theme_.secondary_text, "@" + member_.user.username,
                  kTextRight - kTextX);
    }
    int bottom = baseline + 6;
    if (!options_.hide_badges) bottom = write_badges(bottom);
    if (!options_.hide_last_seen && presence_.status == Status::kOffline && last_seen_ms_) {
      bottom += 20;
      text(kTextX, bottom, 13, false, theme_.secondary_text,
           "Last seen " + relative_time(*last_seen_ms_, now_ms_));
      bottom += 4;
    }
    y_ = std::max(kPad + kAvatar + kPad, bottom + kPad);
  }

  bool shows_global_name() const {
    return !options_.hide_global_name && member_.user.global_name &&
           !sanitize_text(*member_.user.global_name).empty();
  }

  void write_name_row(int baseline) {
    const std::string& name =
        shows_global_name() ? *member_.user.global_name : member_.user.username;
    int name_room = kTextRight - kTextX;
    const auto& tag = member_.user.server_tag;
    std::string tag_text;
    int pill_width = 0;
    if (!options_.hide_server_tag && tag && !tag->tag.empty()) {
      tag_text = fit_text(tag->tag, 64, 12, true);
      const bool badge = images_.tag_badge.has_value();
      pill_width = 8 + (badge ? 18 : 0) +
                   static_cast<int>(estimate_text_width(tag_text, 12, true) + 0.999) + 8;
      name_room -= pill_width + 10;
    }
    const std::string fitted = fit_text(name, name_room, 20, true);
    text(kTextX, baseline, 20, true, theme_.text, fitted);
    if (pill_width > 0) {
      const int name_width = static_cast<int>(estimate_text_width(fitted, 20, true) + 0.999);
      write_tag_pill(kTextX + name_width + 10, baseline - 16, pill_width, tag_text);
    }
  }

  void write_tag_pill(int x, int y, int width, const std::string& tag_text) {
    body_ += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
             std::to_string(width) + "\" height=\"20\" rx=\"5\" fill=\"" + theme_.tag_background +
             "\"/>";
    int text_x = x + 8;
    if (images_.tag_badge) {
      rounded_clip("lantern-tag-badge", x + 6, y + 3, 14, 2);
      image(*images_.tag_badge, x + 6, y + 3, 14, "lantern-tag-badge");
      text_x += 18;
    }
    text(text_x, y + 15, 12, true, theme_.tag_text, tag_text);
  }

  // Status dot on the avatar's lower right, ringed in the card background. Idle, dnd and
  // offline carry a cut-out as in Discord so the state does not rely on colour alone.
  void write_status_dot() {
    const int cx = kPad + kAvatar - 12;
    const int cy = kPad + kAvatar - 12;
    const std::string c = std::to_string(cx);
    const std::string cyy = std::to_string(cy);
    const std::string& ring = theme_.image_background;
    const std::string* color = &theme_.status_offline;
    switch (presence_.status) {
      case Status::kOnline:
        color = &theme_.status_online;
        break;
      case Status::kIdle:
        color = &theme_.status_idle;
        break;
      case Status::kDnd:
        color = &theme_.status_dnd;
        break;
      case Status::kOffline:
        break;
    }
    body_ += "<circle cx=\"" + c + "\" cy=\"" + cyy + "\" r=\"13\" fill=\"" + ring + "\"/>";
    body_ += "<circle cx=\"" + c + "\" cy=\"" + cyy + "\" r=\"9\" fill=\"" + *color + "\"/>";
    switch (presence_.status) {
      case Status::kIdle:
        body_ += "<circle cx=\"" + std::to_string(cx - 4) + "\" cy=\"" + std::to_string(cy - 4) +
                 "\" r=\"5\" fill=\"" + ring + "\"/>";
        break;
      case Status::kDnd:
        body_ += "<rect x=\"" + std::to_string(cx - 5) + "\" y=\"" + std::to_string(cy - 2) +
                 "\" width=\"10\" height=\"4\" rx=\"2\" fill=\"" + ring + "\"/>";
        break;
      case Status::kOffline:
        body_ += "<circle cx=\"" + c + "\" cy=\"" + cyy + "\" r=\"4\" fill=\"" + ring + "\"/>";
        break;
      case Status::kOnline:
        break;
    }
  }

  // Returns the new bottom of the profile text.
  int write_badges(int top) {
    const auto badges = badges_for(member_.user.public_flags);
    if (badges.empty()) return top;
    int x = kTextX;
    for (Badge badge : badges) {
      if (x + kBadgeSize > kTextRight) break;
      append_badge(body_, badge, x, top + 6);
      x += static_cast<int>(kBadgeSize) + 6;
    }
    return top + 6 + static_cast<int>(kBadgeSize);
  }

  // ---- activity ----------------------------------------------------------

  void write_activity_section() {
    body_ += "<rect x=\"" + std::to_string(kPad) + "\" y=\"" + std::to_string(y_) + "\" width=\"" +
             std::to_string(kCardWidth - 2 * kPad) + "\" height=\"1\" fill=\"" + theme_.separator +
             "\"/>";
    const Activity* activity = shown_activity(presence_);
    if (!activity) {
      write_no_activity();
    } else if (activity->is_spotify()) {
      write_spotify(*activity);
    } else {
      write_activity(*activity);
    }
  }

  void write_no_activity() {
    fitted_text(kPad, y_ + 34, 15, true, theme_.text, options_.no_activity_title,
                kTextRight - kPad);
    fitted_text(kPad, y_ + 56, 13, false, theme_.secondary_text, options_.no_activity_message,
                kTextRight - kPad);
    y_ += 74;
  }

  // Draws the large image (or the small one in its place when there is no large one)
  // and the small one over its lower right corner. Returns the x where text starts.
  int write_activity_images(int top) {
    const auto& large = images_.large_image ? images_.large_image : images_.small_image;
    const bool small_on_corner = images_.large_image && images_.small_image;
    if (!large) return kPad;
    rounded_clip("lantern-large-image", kPad, top, kActivityImage, 8);
    image(*large, kPad, top, kActivityImage, "lantern-large-image");
    if (small_on_corner) {
      const int cx = kPad + kActivityImage - 4;
      const int cy = top + kActivityImage - 4;
      body_ += "<circle cx=\"" + std::to_string(cx) + "\" cy=\"" + std::to_string(cy) + "\" r=\"" +
               std::to_string(kSmallImage / 2 + 3) + "\" fill=\"" + theme_.image_background +
               "\"/>";
      circle_clip("lantern-small-image", cx, cy, kSmallImage / 2);
      image(*images_.small_image, cx - kSmallImage / 2, cy - kSmallImage / 2, kSmallImage,
            "lantern-small-image");
    }
    return kActivityTextX;
  }

  void write_label(std::string_view label) {
    text(kPad, y_ + 26, 12, true, theme_.secondary_text, label);
  }

  void write_activity(const Activity& activity) {
    write_label(activity_label(activity.type));
    const int top = y_ + 38;
    const int x = write_activity_images(top);
    const int room = kTextRight - x;
    int baseline = top + 14;
    fitted_text(x, baseline, 15, true, theme_.text, activity.name, room);
    for (const auto* line : {&activity.details, &activity.state}) {
      if (!*line || line->value().empty()) continue;
      baseline += 18;
      fitted_text(x, baseline, 13, false, theme_.text, **line, room);
    }
    if (auto elapsed = elapsed_text(activity)) {
      baseline += 18;
      text(x, baseline, 13, false, theme_.secondary_text, *elapsed);
    }
    const int image_bottom = x == kPad ? top : top + kActivityImage + 4;
    y_ = std::max(image_bottom, baseline + 6) + kPad;
  }

  std::optional<std::string> elapsed_text(const Activity& activity) const {
    if (activity.start_ms) {
      return format_duration((now_ms_ - *activity.start_ms) / 1000) + " elapsed";
    }
    if (activity.end_ms) return format_duration((*activity.end_ms - now_ms_) / 1000) + " left";
    return std::nullopt;
  }

  void write_spotify(const Activity& activity) {
    write_label("LISTENING TO SPOTIFY");
    const int top = y_ + 38;
    const int x = write_activity_images(top);
    const int room = kTextRight - x;
    fitted_text(x, top + 14, 15, true, theme_.text, activity.details.value_or(activity.name), room);
    std::string artists = activity.state.value_or("");
    for (std::size_t at; (at = artists.find("; ")) != std::string::npos;) {
      artists.replace(at, 2, ", ");
    }
    int baseline = top + 14;
    if (!artists.empty()) {
      baseline += 18;
      fitted_text(x, baseline, 13, false, theme_.text, "by " + artists, room);
    }
    const auto& album = activity.assets ? activity.assets->large.text : std::nullopt;
    if (album && !album->empty()) {
      baseline += 18;
      fitted_text(x, baseline, 13, false, theme_.secondary_text, "on " + *album, room);
    }
    y_ = std::max(x == kPad ? top : top + kActivityImage + 4, baseline + 6);
    write_progress(activity);
  }

  void write_progress(const Activity& activity) {
    if (!activity.start_ms || !activity.end_ms || *activity.end_ms <= *activity.start_ms) {
      y_ += kPad;
      return;
    }
    const std::int64_t length_s = (*activity.end_ms - *activity.start_ms) / 1000;
    const std::int64_t elapsed_s =
        std::clamp<std::int64_t>((now_ms_ - *activity.start_ms) / 1000, 0, length_s);
    const int width = kCardWidth - 2 * kPad;
    const double fraction =
        length_s > 0 ? static_cast<double>(elapsed_s) / static_cast<double>(length_s) : 0.0;
    const std::string bar_y = std::to_string(y_ + 10);
    body_ += "<rect x=\"" + std::to_string(kPad) + "\" y=\"" + bar_y + "\" width=\"" +
             std::to_string(width) + "\" height=\"4\" rx=\"2\" fill=\"" + theme_.progress_track +
             "\"/>";
    body_ += "<rect x=\"" + std::to_string(kPad) + "\" y=\"" + bar_y + "\" width=\"" +
             fmt1(width * fraction) + "\" height=\"4\" rx=\"2\" fill=\"" + theme_.progress_fill +
             "\"/>";
    text(kPad, y_ + 32, 12, false, theme_.secondary_text, format_duration(elapsed_s));
    text(kTextRight, y_ + 32, 12, false, theme_.secondary_text, format_duration(length_s), true);
    y_ += 32 + kPad;
  }

  // ---- document ------------------------------------------------------------

  std::string wrap() const {
    const int height = y_;
    const double radius =
        std::min({options_.border_radius_rem * kPxPerRem, kMaxCornerRadius, height / 2.0});
    const std::string w = std::to_string(kCardWidth);
    const std::string h = std::to_string(height);
    std::string out;
    out.reserve(body_.size() + defs_.size() + 1024);
    out +=
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
        "version=\"1.1\" width=\"" +
        w + "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h +
        "\" role=\"img\" aria-label=\"Discord presence of ";
    append_xml_text(out, member_.user.username);
    out += "\"><title>Discord presence of ";
    append_xml_text(out, member_.user.username);
    out += "</title><defs>" + defs_ + "<clipPath id=\"lantern-card\"><rect width=\"" + w +
           "\" height=\"" + h + "\" rx=\"" + fmt1(radius) + "\"/></clipPath></defs>";
    out += "<g clip-path=\"url(#lantern-card)\" font-family=\"";
    out += kFontFamily;
    out += "\"><rect width=\"" + w + "\" height=\"" + h + "\" fill=\"" + theme_.background + "\"/>";
    out += body_;
    out += "</g><rect x=\"0.5\" y=\"0.5\" width=\"" + std::to_string(kCardWidth - 1) +
           "\" height=\"" + std::to_string(height - 1) + "\" rx=\"" +
           fmt1(std::max(0.0, radius - 0.5)) + "\" fill=\"none\" stroke=\"" + theme_.border +
           "\"/></svg>\n";
    return out;
  }

  const presence::Member& member_;
  const presence::Presence& presence_;
  std::optional<std::int64_t> last_seen_ms_;
  const CardOptions& options_;
  const Theme& theme_;
  const CardImages& images_;
  std::int64_t now_ms_;
  const std::string placeholder_ = kPlaceholderDataUri;

  std::string defs_;
  std::string body_;
  int y_ = 0;
};

}  // namespace

std::string render_card(const presence::Member& member, const presence::Presence& presence,
                        std::optional<std::int64_t> last_seen_ms, const CardOptions& options,
                        const Theme& theme, const CardImages& images, std::int64_t now_ms) {
  return CardWriter(member, presence, last_seen_ms, options, theme, images, now_ms).render();
}

}  // namespace lantern::card
