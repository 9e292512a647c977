#include "presence/cdn.h"

#include <charconv>

namespace lantern::presence {
namespace {

bool is_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Image hashes and application asset keys: hex hashes and snowflakes today,
// short names for very old applications. Only [A-Za-z0-9_-] can appear, which
// also keeps a hostile value from turning into a different path or query.
bool is_key(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// The remainder of a prefixed asset ("mp:external/…/https/host/x.png") is a
// path: RFC 3986 unreserved and sub-delims plus ':', '@', '/' and '%'. Anything
// else ('#', '?', '\', spaces, quotes, controls) or a ".." segment is refused.
bool is_safe_path(std::string_view path) {
  if (path.empty() || path.find("..") != std::string_view::npos) return false;
  for (char c : path) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("-._~!$&()*+,;=:@/%").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// The parts concatenated in one allocation (URLs are built on the render path).
template <typename... Parts>
std::string join(const Parts&... parts) {
  std::string url;
  url.reserve((std::string_view(parts).size() + ...));
  (url.append(std::string_view(parts)), ...);
  return url;
}

// The user's avatar hash, or null when there is none or it is not a plain key.
const std::string* usable_avatar_hash(const User& user) {
  if (!user.avatar || !is_key(*user.avatar)) return nullptr;
  return &*user.avatar;
}

}  // namespace

const CdnBases& discord_cdn() {
  static const CdnBases kDiscord;  // immutable after construction
  return kDiscord;
}

std::optional<std::string> avatar_url(const User& user, const CdnBases& bases) {
  const std::string* hash = usable_avatar_hash(user);
  if (hash == nullptr) return std::nullopt;
  const bool animated = hash->starts_with("a_");
  return join(bases.cdn, "/avatars/", lantern::to_string(user.id), "/", *hash,
              animated ? ".gif" : ".png");
}

int default_avatar_index(const User& user) {
  const std::string_view disc = user.discriminator;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(disc.data(), disc.data() + disc.size(), value);
  const bool legacy = ec == std::errc{} && end == disc.data() + disc.size() && value != 0;
  if (legacy) return static_cast<int>(value % 5);
  return static_cast<int>((user.id >> 22) % 6);
}

std::string default_avatar_url(const User& user, const CdnBases& bases) {
  return join(bases.cdn, "/embed/avatars/", std::to_string(default_avatar_index(user)), ".png");
}

std::string display_avatar_url(const User& user, const CdnBases& bases) {
  if (auto url = avatar_url(user, bases)) return std::move(*url);
  return default_avatar_url(user, bases);
}

std::string still_avatar_url(const User& user, int size, const CdnBases& bases) {
  const std::string* hash = usable_avatar_hash(user);
  if (hash == nullptr) return default_avatar_url(user, bases);
  return join(bases.cdn, "/avatars/", lantern::to_string(user.id), "/", *hash,
              ".png?size=", std::to_string(size));
}

std::optional<std::string> emoji_url(const ActivityEmoji& emoji, const CdnBases& bases) {
  if (!emoji.id) return std::nullopt;
  return join(bases.cdn, "/emojis/", lantern::to_string(*emoji.id),
              emoji.animated ? ".gif" : ".png");
}

std::optional<std::string> asset_image_url(std::string_view image,
                                           const std::optional<std::string>& application_id,
                                           const CdnBases& bases) {
  const auto colon = image.find(':');
  if (colon == std::string_view::npos) {
    if (!application_id || !is_digits(*application_id) || !is_key(image)) return std::nullopt;
    return join(bases.cdn, "/app-assets/", *application_id, "/", image, ".png");
  }
  const std::string_view scheme = image.substr(0, colon);
  const std::string_view rest = image.substr(colon + 1);
  if (!is_safe_path(rest)) return std::nullopt;
  if (scheme == "spotify") return join(bases.spotify, "/", rest);
  if (scheme == "mp") return join(bases.media_proxy, "/", rest);
  if (scheme == "youtube") return join(bases.youtube, "/", rest, "/hqdefault_live.jpg");
  if (scheme == "twitch") return join(bases.twitch, "/live_user_", rest, ".png");
  return std::nullopt;
}

std::optional<std::string> server_tag_icon_url(const ServerTag& tag, const CdnBases& bases) {
  if (!tag.badge || !is_key(*tag.badge)) return std::nullopt;
  return join(bases.cdn, "/guild-tag-badges/", lantern::to_string(tag.guild_id), "/", *tag.badge,
              ".png");
}

}  // namespace lantern::presence
