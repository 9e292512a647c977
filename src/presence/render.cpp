#include "presence/render.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "presence/cdn.h"
#include "presence/user_flags.h"
#include "util/time.h"

namespace lantern::presence {
namespace {

// The activity type names of API.md; nullopt for numbers Discord may add later.
std::optional<std::string_view> activity_type_name(int type) {
  switch (type) {
    case 0:
      return "PLAYING";
    case 1:
      return "STREAMING";
    case 2:
      return "LISTENING";
    case 3:
      return "WATCHING";
    case 4:
      return "CUSTOM";
    case 5:
      return "COMPETING";
    default:
      return std::nullopt;
  }
}

// format_iso8601_ms() without snprintf: a render writes up to a dozen of these,
// and they were a third of its cost. Same output ("2021-05-03T00:00:00.000Z");
// years outside 0000-9999 fall back to the general formatter.
void append_iso8601_ms(std::string& out, std::int64_t unix_ms) {
  const std::int64_t ms_of_day_raw = unix_ms % 86'400'000;
  const std::int64_t days = unix_ms / 86'400'000 - (ms_of_day_raw < 0 ? 1 : 0);
  const std::int64_t ms_of_day = ms_of_day_raw < 0 ? ms_of_day_raw + 86'400'000 : ms_of_day_raw;
  // civil_from_days (Howard Hinnant): days since 1970-01-01 -> y-m-d.
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) {
    out.append(format_iso8601_ms(unix_ms));
    return;
  }
  char buf[24];
  const auto put = [&buf](int pos, std::int64_t value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf[pos + i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, year, 4);
  buf[4] = '-';
  put(5, month, 2);
  buf[7] = '-';
  put(8, day, 2);
  buf[10] = 'T';
  put(11, ms_of_day / 3'600'000, 2);
  buf[13] = ':';
  put(14, ms_of_day / 60'000 % 60, 2);
  buf[16] = ':';
  put(17, ms_of_day / 1000 % 60, 2);
  buf[19] = '.';
  put(20, ms_of_day % 1000, 3);
  buf[23] = 'Z';
  out.append(buf, sizeof buf);
}

// Appends JSON values to one string. Keys and punctuation are written by the
// callers as literals (in API.md order), values through these helpers.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void raw(std::string_view text) { out_.append(text); }
  void str(std::string_view text) { append_json_string(out_, text); }
  void opt_str(const std::optional<std::string>& text) {
    if (text) {
      str(*text);
    } else {
      null();
    }
  }
  void null() { out_.append("null"); }
  void boolean(bool value) { out_.append(value ? "true" : "false"); }
  void id(Snowflake value) {
    out_.push_back('"');
    integer(value);
    out_.push_back('"');
  }
  template <typename Int>
  void integer(Int value) {
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    out_.append(buf, end);
  }
  // {"unix": floor(ms/1000), "raw": ISO-8601}, both null when unknown.
  void moment(std::optional<std::int64_t> ms) {
    if (!ms) {
      out_.append(R"({"unix":null,"raw":null})");
      return;
    }
    out_.append(R"({"unix":)");
    integer(floor_seconds(*ms));
    out_.append(R"(,"raw":")");
    append_iso8601_ms(out_, *ms);
    out_.append(R"("})");
  }
  std::size_t size() const { return out_.size(); }

 private:
  std::string& out_;
};

void write_flags(Writer& w, std::uint64_t flags) {
  w.raw(R"({"human_readable":[)");
  bool first = true;
  for (std::string_view name : user_flag_names(flags)) {
    if (!first) w.raw(",");
    first = false;
    w.str(name);
  }
  w.raw(R"(],"bitfield":)");
  w.integer(flags);
  w.raw("}");
}

void write_metadata(Writer& w, const Member& member) {
  const User& user = member.user;
  w.raw(R"({"id":)");
  w.id(user.id);
  w.raw(R"(,"username":)");
  w.str(user.username);
  w.raw(R"(,"discriminator":)");
  w.str(user.discriminator);
  w.raw(R"(,"global_name":)");
  w.opt_str(user.global_name);
  w.raw(R"(,"avatar":)");
  w.opt_str(user.avatar);
  // display_avatar_url is avatar_url when there is one: build that URL once.
  const std::optional<std::string> avatar = avatar_url(user);
  w.raw(R"(,"avatar_url":)");
  w.opt_str(avatar);
  w.raw(R"(,"display_avatar_url":)");
  w.str(avatar ? *avatar : display_avatar_url(user));
  w.raw(R"(,"bot":)");
  w.boolean(user.bot);
  w.raw(R"(,"flags":)");
  write_flags(w, user.public_flags);
  w.raw(R"(,"monitoring_since":)");
  w.moment(member.joined_at_ms);
  w.raw("}");
}

// One of large_image / small_image. `hash` is the raw image string.
void write_image(Writer& w, const ActivityImage& image,
                 const std::optional<std::string>& application_id) {
  if (!image.image && !image.text) {
    w.null();
    return;
  }
  w.raw(R"({"hash":)");
  w.opt_str(image.image);
  w.raw(R"(,"image_url":)");
  if (image.image) {
    w.opt_str(asset_image_url(*image.image, application_id));
  } else {
    w.null();
  }
  w.raw(R"(,"text":)");
  w.opt_str(image.text);
  w.raw("}");
}

bool image_empty(const ActivityImage& image) {
  return !image.image && !image.text;
}

void write_assets(Writer& w, const Activity& activity) {
  const auto& assets = activity.assets;
  if (!assets || (image_empty(assets->large) && image_empty(assets->small))) {
    w.null();
    return;
  }
  w.raw(R"({"large_image":)");
  write_image(w, assets->large, activity.application_id);
  w.raw(R"(,"small_image":)");
  write_image(w, assets->small, activity.application_id);
  w.raw("}");
}

void write_emoji(Writer& w, const Activity& activity) {
  if (activity.type != static_cast<int>(ActivityType::kCustom) || !activity.emoji) {
    w.null();
    return;
  }
  const ActivityEmoji& emoji = *activity.emoji;
  w.raw(R"({"name":)");
  w.str(emoji.name);
  w.raw(R"(,"id":)");
  if (emoji.id) {
    w.id(*emoji.id);
  } else {
    w.null();
  }
  w.raw(R"(,"animated":)");
  w.boolean(emoji.animated);
  w.raw(R"(,"url":)");
  w.opt_str(emoji_url(emoji));
  w.raw("}");
}

// A start/end timestamp of an activity: a pair, or null when Discord sent none.
void write_activity_time(Writer& w, std::optional<std::int64_t> ms) {
  if (ms) {
    w.moment(ms);
  } else {
    w.null();
  }
}

void write_activity(Writer& w, const Activity& activity, std::string_view type_name) {
  w.raw(R"({"id":)");
  w.str(activity.id);
  w.raw(R"(,"name":)");
  w.str(activity.name);
  w.raw(R"(,"type":)");
  w.str(type_name);
  w.raw(R"(,"state":)");
  w.opt_str(activity.state);
  w.raw(R"(,"details":)");
  w.opt_str(activity.details);
  w.raw(R"(,"application_id":)");
  w.opt_str(activity.application_id);
  w.raw(R"(,"url":)");
  w.opt_str(activity.url);
  w.raw(R"(,"created_at":)");
  w.integer(floor_seconds(activity.created_at_ms));
  w.raw(R"(,"emoji":)");
  write_emoji(w, activity);
  w.raw(R"(,"assets":)");
  write_assets(w, activity);
  w.raw(R"(,"start_time":)");
  write_activity_time(w, activity.start_ms);
  w.raw(R"(,"end_time":)");
  write_activity_time(w, activity.end_ms);
  w.raw("}");
}

void write_activities(Writer& w, const std::vector<Activity>& activities) {
  w.raw("[");
  bool first = true;
  for (const Activity& activity : activities) {
    const auto type_name = activity_type_name(activity.type);
    if (!type_name) continue;  // a type newer than API.md knows: left out (docs/api-notes.md)
    if (!first) w.raw(",");
    first = false;
    write_activity(w, activity, *type_name);
  }
  w.raw("]");
}

// Offsets in the output where the Spotify elapsed time is inserted.
struct Holes {
  std::size_t first = 0;
  std::size_t second = 0;
};

std::optional<std::int64_t> track_length_s(const Activity& spotify) {
  if (!spotify.start_ms || !spotify.end_ms) return std::nullopt;
  return std::max<std::int64_t>(0, floor_seconds(*spotify.end_ms - *spotify.start_ms));
}

std::optional<std::string> spotify_cover(const Activity& spotify) {
  if (!spotify.assets || !spotify.assets->large.image) return std::nullopt;
  const std::string_view image = *spotify.assets->large.image;
  if (!image.starts_with("spotify:")) return std::nullopt;
  return asset_image_url(image, std::nullopt);
}

std::optional<Holes> write_spotify(Writer& w, const Activity& spotify) {
  w.raw(R"({"track_id":)");
  w.opt_str(spotify.sync_id);
  w.raw(R"(,"song":)");
  w.opt_str(spotify.details);
  w.raw(R"(,"artist":)");
  w.opt_str(spotify.state);
  w.raw(R"(,"album":)");
  w.opt_str(spotify.assets ? spotify.assets->large.text : std::nullopt);
  w.raw(R"(,"album_cover":)");
  w.opt_str(spotify_cover(spotify));
  w.raw(R"(,"start_time":)");
  w.moment(spotify.start_ms);
  w.raw(R"(,"end_time":)");
  w.moment(spotify.end_ms);
  std::optional<Holes> holes;
  if (spotify.start_ms) {
    holes.emplace();
    w.raw(R"(,"time":{"start_human_readable":")");
    holes->first = w.size();
    w.raw(R"(","current_human_readable":")");
    holes->second = w.size();
    w.raw(R"(","end_human_readable":)");
  } else {
    w.raw(R"(,"time":{"start_human_readable":null,"current_human_readable":null,)"
          R"("end_human_readable":)");
  }
  if (const auto length = track_length_s(spotify)) {
    w.str(format_duration(*length));
  } else {
    w.null();
  }
  w.raw("}}");
  return holes;
}

const Activity* find_spotify(const Presence& presence) {
  for (const Activity& activity : presence.activities) {
    if (activity.is_spotify()) return &activity;
  }
  return nullptr;
}

std::optional<Holes> write_platforms(Writer& w, const Presence& presence, bool online) {
  const ClientStatus& cs = presence.client_status;
  const auto platform = [&](Status s) { return to_string(online ? s : Status::kOffline); };
  w.raw(R"({"desktop":)");
  w.str(platform(cs.desktop));
  w.raw(R"(,"mobile":)");
  w.str(platform(cs.mobile));
  w.raw(R"(,"web":)");
  w.str(platform(cs.web));
  w.raw(R"(,"spotify":)");
  std::optional<Holes> holes;
  const Activity* spotify = online ? find_spotify(presence) : nullptr;
  if (spotify) {
    holes = write_spotify(w, *spotify);
  } else {
    w.null();
  }
  w.raw("}");
  return holes;
}

void write_storage(Writer& w, const StoragePairs* storage) {
  w.raw("{");
  if (storage) {
    bool first = true;
    for (const auto& [key, value] : *storage) {
      if (!first) w.raw(",");
      first = false;
      w.str(key);
      w.raw(":");
      w.str(value);
    }
  }
  w.raw("}");
}

void write_server_tag(Writer& w, const std::optional<ServerTag>& tag) {
  if (!tag) {
    w.null();
    return;
  }
  w.raw(R"({"guild_id":)");
  w.id(tag->guild_id);
  w.raw(R"(,"name":)");
  w.str(tag->tag);
  w.raw(R"(,"icon_url":)");
  w.opt_str(server_tag_icon_url(*tag));
  w.raw("}");
}

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

namespace {

// True when one of the 8 bytes in `word` needs an escape: a control character
// (< 0x20), '"' or '\\'. Exact as a yes/no answer (bit tricks of "Bit Twiddling
// Hacks": haszero / hasless); bytes >= 0x80 (UTF-8) never match.
bool word_needs_escape(std::uint64_t word) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  const std::uint64_t control = (word - kOnes * 0x20) & ~word;
  const std::uint64_t quote = word ^ (kOnes * '"');
  const std::uint64_t backslash = word ^ (kOnes * '\\');
  return ((control | ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash)) & kHighs) !=
         0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const char* run = begin;  // start of the pending run of bytes that need no escape
  const char* p = begin;
  while (p != end) {
    // Most text needs no escape at all: skip it a word at a time.
    if (end - p >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p, sizeof word);
      if (!word_needs_escape(word)) {
        p += 8;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(*p);
    ++p;
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(run, static_cast<std::size_t>(p - 1 - run));
    run = p;
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default: {
        const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(escaped, sizeof escaped);
      }
    }
  }
  out.append(run, static_cast<std::size_t>(end - run));
  out.push_back('"');
}

std::string spotify_elapsed(std::int64_t now_ms, std::int64_t start_ms,
                            std::optional<std::int64_t> length_s) {
  std::int64_t elapsed = std::max<std::int64_t>(0, floor_seconds(now_ms - start_ms));
  if (length_s) elapsed = std::min(elapsed, *length_s);
  return format_duration(elapsed);
}

void RenderedUser::append_to(std::string& out, std::int64_t now_ms) const {
  if (!spotify_start_ms) {
    out.append(text);
    return;
  }
  const std::string elapsed = spotify_elapsed(now_ms, *spotify_start_ms, spotify_length_s);
  const std::string_view all = text;
  out.append(all.substr(0, first_hole));
  out.append(elapsed);
  out.append(all.substr(first_hole, second_hole - first_hole));
  out.append(elapsed);
  out.append(all.substr(second_hole));
}

RenderedUser render_user(const Member& member, const Presence& presence,
                         std::optional<std::int64_t> last_seen_ms, const StoragePairs* storage) {
  const bool online = presence.status != Status::kOffline;
  std::string out;
  out.reserve(1024 + 640 * presence.activities.size());  // ~ the final size: one allocation
  Writer w(out);
  w.raw(R"({"metadata":)");
  write_metadata(w, member);
  w.raw(R"(,"status":)");
  w.str(to_string(presence.status));
  w.raw(R"(,"active_platforms":)");
  const std::optional<Holes> holes = write_platforms(w, presence, online);
  w.raw(R"(,"activities":)");
  if (online) {
    write_activities(w, presence.activities);
  } else {
    w.raw("[]");
  }
  w.raw(R"(,"storage":)");
  write_storage(w, storage);
  w.raw(R"(,"last_seen_at":)");
  w.moment(last_seen_ms);
  w.raw(R"(,"server_tag":)");
  write_server_tag(w, member.user.server_tag);
  w.raw("}");

  RenderedUser rendered;
  out.shrink_to_fit();  // kept for the snapshot's lifetime: no slack per member
  rendered.text = std::move(out);
  if (holes) {
    const Activity* spotify = find_spotify(presence);
    rendered.first_hole = holes->first;
    rendered.second_hole = holes->second;
    rendered.spotify_start_ms = spotify->start_ms;
    rendered.spotify_length_s = track_length_s(*spotify);
  }
  return rendered;
}

}  // namespace lantern::presence
