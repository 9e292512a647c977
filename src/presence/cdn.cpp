#include "presence/cdn.h"

#include <charconv>

namespace lantern::presence {
namespace {

constexpr std::string_view kCdn = "https://cdn.discordapp.com/";

bool is_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Application asset ids are snowflakes today; very old applications used short
// keys. Either way only [A-Za-z0-9_-] can appear, which also keeps a hostile
// value from turning into a different path or query on the CDN.
bool is_asset_key(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<std::string> with_prefix(std::string_view prefix, std::string_view value,
                                       std::string_view suffix = {}) {
  if (value.empty()) return std::nullopt;
  std::string url;
  url.reserve(prefix.size() + value.size() + suffix.size());
  url.append(prefix).append(value).append(suffix);
  return url;
}

}  // namespace

std::optional<std::string> avatar_url(const User& user) {
  if (!user.avatar || user.avatar->empty()) return std::nullopt;
  const std::string_view hash = *user.avatar;
  const bool animated = hash.starts_with("a_");
  std::string url;
  url.reserve(kCdn.size() + 8 + 20 + 1 + hash.size() + 4);  // one allocation
  url.append(kCdn).append("avatars/").append(lantern::to_string(user.id)).append("/").append(hash);
  url.append(animated ? ".gif" : ".png");
  return url;
}

int default_avatar_index(const User& user) {
  const std::string_view disc = user.discriminator;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(disc.data(), disc.data() + disc.size(), value);
  const bool legacy = ec == std::errc{} && end == disc.data() + disc.size() && value != 0;
  if (legacy) return static_cast<int>(value % 5);
  return static_cast<int>((user.id >> 22) % 6);
}

std::string display_avatar_url(const User& user) {
  if (auto url = avatar_url(user)) return std::move(*url);
  std::string url(kCdn);
  url.append("embed/avatars/").append(std::to_string(default_avatar_index(user))).append(".png");
  return url;
}

std::optional<std::string> emoji_url(const ActivityEmoji& emoji) {
  if (!emoji.id) return std::nullopt;
  std::string url(kCdn);
  url.append("emojis/")
      .append(lantern::to_string(*emoji.id))
      .append(emoji.animated ? ".gif" : ".png");
  return url;
}

std::optional<std::string> asset_image_url(std::string_view image,
                                           const std::optional<std::string>& application_id) {
  const auto colon = image.find(':');
  if (colon == std::string_view::npos) {
    if (!application_id || !is_digits(*application_id) || !is_asset_key(image)) return std::nullopt;
    std::string url(kCdn);
    url.append("app-assets/").append(*application_id).append("/").append(image).append(".png");
    return url;
  }
  const std::string_view scheme = image.substr(0, colon);
  const std::string_view rest = image.substr(colon + 1);
  if (scheme == "spotify") return with_prefix("https://i.scdn.co/image/", rest);
  if (scheme == "mp") return with_prefix("https://media.discordapp.net/", rest);
  if (scheme == "youtube")
    return with_prefix("https://i.ytimg.com/vi/", rest, "/hqdefault_live.jpg");
  if (scheme == "twitch") {
    return with_prefix("https://static-cdn.jtvnw.net/previews-ttv/live_user_", rest, ".png");
  }
  return std::nullopt;
}

std::optional<std::string> server_tag_icon_url(const ServerTag& tag) {
  if (!tag.badge || tag.badge->empty()) return std::nullopt;
  std::string url(kCdn);
  url.append("guild-tag-badges/").append(lantern::to_string(tag.guild_id)).append("/");
  url.append(*tag.badge).append(".png");
  return url;
}

}  // namespace lantern::presence
