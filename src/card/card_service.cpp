#include "card/card_service.h"

#include <array>
#include <atomic>
#include <mutex>

#include "card/render.h"

namespace lantern::card {

// What a pending card draws from: pointers into an object kept alive by `owner`.
struct CardService::Source {
  std::shared_ptr<const void> owner;
  const presence::Member* member;
  const presence::Presence* presence;
  std::optional<std::int64_t> last_seen_ms;
};

namespace {

// A card waiting for its images. `remaining` counts the fetches not yet answered plus
// one for the launcher, so that callbacks running inline cannot finish the card before
// every fetch has been started.
struct PendingCard {
  std::mutex mutex;
  CardImages images;
  std::atomic<int> remaining{1};
};

enum class Slot { kAvatar, kLarge, kSmall, kTag };

void store(CardImages& images, Slot slot, const CachedImage& image) {
  std::string value = image.ok() ? image.data_uri : std::string();
  switch (slot) {
    case Slot::kAvatar:
      images.avatar = std::move(value);
      break;
    case Slot::kLarge:
      images.large_image = std::move(value);
      break;
    case Slot::kSmall:
      images.small_image = std::move(value);
      break;
    case Slot::kTag:
      images.tag_badge = std::move(value);
      break;
  }
}

}  // namespace

CardService::CardService(ImageFetcher& fetcher, Themes themes, CdnBases cdn)
    : fetcher_(fetcher), themes_(std::move(themes)), cdn_(std::move(cdn)) {}

void CardService::render_card_async(presence::UserViewPtr view, CardOptions options,
                                    std::int64_t now_ms, Done done) const {
  auto source = std::make_shared<const Source>(
      Source{view, &view->member(), &view->presence(), view->last_seen_ms()});
  render(std::move(source), std::move(options), now_ms, std::move(done));
}

void CardService::render_card_async(CardSubject subject, CardOptions options, std::int64_t now_ms,
                                    Done done) const {
  auto owned = std::make_shared<const CardSubject>(std::move(subject));
  auto source = std::make_shared<const Source>(
      Source{owned, &owned->member, &owned->presence, owned->last_seen_ms});
  render(std::move(source), std::move(options), now_ms, std::move(done));
}

void CardService::render(std::shared_ptr<const Source> source, CardOptions options,
                         std::int64_t now_ms, Done done) const {
  const CardImageUrls urls = card_image_urls(*source->member, *source->presence, options, cdn_);
  auto pending = std::make_shared<PendingCard>();
  const Theme& theme = themes_.get(options.theme);
  auto finish = [pending, source, options = std::move(options), now_ms, &theme,
                 done = std::move(done)]() {
    done(render_card(*source->member, *source->presence, source->last_seen_ms, options, theme,
                     pending->images, now_ms));
  };
  auto shared_finish = std::make_shared<decltype(finish)>(std::move(finish));

  const std::array<std::pair<Slot, const std::string*>, 4> slots = {{
      {Slot::kAvatar, &urls.avatar},
      {Slot::kLarge, urls.large_image ? &*urls.large_image : nullptr},
      {Slot::kSmall, urls.small_image ? &*urls.small_image : nullptr},
      {Slot::kTag, urls.tag_badge ? &*urls.tag_badge : nullptr},
  }};
  for (const auto& [slot, url] : slots) {
    if (!url) continue;
    if (auto hit = fetcher_.cached(*url)) {
      std::lock_guard lock(pending->mutex);
      store(pending->images, slot, *hit);
      continue;
    }
    pending->remaining.fetch_add(1);
    fetcher_.fetch(*url, [pending, slot, shared_finish](CachedImagePtr image) {
      {
        std::lock_guard lock(pending->mutex);
        store(pending->images, slot, *image);
      }
      if (pending->remaining.fetch_sub(1) == 1) (*shared_finish)();
    });
  }
  if (pending->remaining.fetch_sub(1) == 1) (*shared_finish)();
}

}  // namespace lantern::card
