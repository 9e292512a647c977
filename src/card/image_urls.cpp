#include "card/image_urls.h"

namespace lantern::card {
namespace {

// Characters allowed in the part of an asset string that becomes a URL path: RFC 3986
// unreserved and sub-delims plus ':', '@', '/' and '%'. Anything else ('#', '?', '\',
// spaces, quotes, controls) or a ".." segment makes the asset unusable.
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

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string default_avatar_url(const presence::User& user, const CdnBases& bases) {
  std::uint64_t index = 0;
  if (user.discriminator == "0" || user.discriminator == "0000" ||
      !all_digits(user.discriminator)) {
    index = (user.id >> 22) % 6;
  } else {
    index = std::stoull(user.discriminator.substr(0, 9)) % 5;
  }
  return bases.cdn + "/embed/avatars/" + std::to_string(index) + ".png";
}

std::string avatar_url(const presence::User& user, const CdnBases& bases) {
  if (!user.avatar || !is_safe_path(*user.avatar) || user.avatar->find('/') != std::string::npos) {
    return default_avatar_url(user, bases);
  }
  return bases.cdn + "/avatars/" + std::to_string(user.id) + "/" + *user.avatar + ".png?size=128";
}

std::optional<std::string> image_url(const presence::ActivityImage& image,
                                     const presence::Activity& activity, const CdnBases& bases) {
  if (!image.image) return std::nullopt;
  return resolve_asset_url(*image.image, activity.application_id, bases);
}

}  // namespace

const presence::Activity* shown_activity(const presence::Presence& presence) {
  for (const auto& activity : presence.activities) {
    if (activity.type != static_cast<int>(presence::ActivityType::kCustom)) return &activity;
  }
  return nullptr;
}

std::optional<std::string> resolve_asset_url(std::string_view asset,
                                             const std::optional<std::string>& application_id,
                                             const CdnBases& bases) {
  const auto colon = asset.find(':');
  if (colon == std::string_view::npos) {
    if (!application_id || !all_digits(*application_id) || !is_safe_path(asset) ||
        asset.find('/') != std::string_view::npos) {
      return std::nullopt;
    }
    return bases.cdn + "/app-assets/" + *application_id + "/" + std::string(asset) + ".png";
  }
  const std::string_view prefix = asset.substr(0, colon);
  const std::string_view rest = asset.substr(colon + 1);
  if (!is_safe_path(rest)) return std::nullopt;
  if (prefix == "mp") return bases.media_proxy + "/" + std::string(rest);
  if (prefix == "spotify") return bases.spotify + "/" + std::string(rest);
  if (prefix == "youtube") return bases.youtube + "/" + std::string(rest) + "/hqdefault_live.jpg";
  if (prefix == "twitch") return bases.twitch + "/live_user_" + std::string(rest) + ".png";
  return std::nullopt;
}

CardImageUrls card_image_urls(const presence::Member& member, const presence::Presence& presence,
                              const CardOptions& options, const CdnBases& bases) {
  CardImageUrls urls;
  urls.avatar = avatar_url(member.user, bases);
  if (!options.hide_activity) {
    if (const presence::Activity* activity = shown_activity(presence);
        activity && activity->assets) {
      urls.large_image = image_url(activity->assets->large, *activity, bases);
      urls.small_image = image_url(activity->assets->small, *activity, bases);
    }
  }
  const auto& tag = member.user.server_tag;
  if (!options.hide_server_tag && tag && tag->badge && is_safe_path(*tag->badge) &&
      tag->badge->find('/') == std::string::npos) {
    urls.tag_badge = bases.cdn + "/guild-tag-badges/" + std::to_string(tag->guild_id) + "/" +
                     *tag->badge + ".png";
  }
  return urls;
}

}  // namespace lantern::card
