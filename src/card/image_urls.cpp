#include "card/image_urls.h"

namespace lantern::card {
namespace {

std::optional<std::string> image_url(const presence::ActivityImage& image,
                                     const presence::Activity& activity, const CdnBases& bases) {
  if (!image.image) return std::nullopt;
  return presence::asset_image_url(*image.image, activity.application_id, bases);
}

// Card avatars are 128 px stills: the card is drawn at 80 px and never moves.
constexpr int kAvatarSize = 128;

}  // namespace

const presence::Activity* shown_activity(const presence::Presence& presence) {
  for (const auto& activity : presence.activities) {
    if (activity.type != static_cast<int>(presence::ActivityType::kCustom)) return &activity;
  }
  return nullptr;
}

CardImageUrls card_image_urls(const presence::Member& member, const presence::Presence& presence,
                              const CardOptions& options, const CdnBases& bases) {
  CardImageUrls urls;
  urls.avatar = presence::still_avatar_url(member.user, kAvatarSize, bases);
  if (!options.hide_activity) {
    if (const presence::Activity* activity = shown_activity(presence);
        activity && activity->assets) {
      urls.large_image = image_url(activity->assets->large, *activity, bases);
      urls.small_image = image_url(activity->assets->small, *activity, bases);
    }
  }
  const auto& tag = member.user.server_tag;
  if (!options.hide_server_tag && tag) urls.tag_badge = presence::server_tag_icon_url(*tag, bases);
  return urls;
}

}  // namespace lantern::card
