// CardService: what the HTTP layer calls to answer `GET /api/v1/users/{id}?svg=1`.
//
// It works out which images the card needs, takes them from the cache or fetches them
// (all at once, so the wait is bounded by the fetcher's timeout, default 1.5 s, however
// many images there are), and renders the card. A failed image becomes the placeholder;
// the card itself never fails.
//
// Threading: render_card_async() may be called from any thread and never blocks. `done`
// is called exactly once: inline, before render_card_async() returns, when every image is
// cached (the common, warm case); otherwise on a strand of the fetcher's executor. The
// service holds no mutable state; `fetcher` must outlive it and its pending cards.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "card/image_fetcher.h"
#include "card/image_urls.h"
#include "card/options.h"
#include "card/theme.h"
#include "presence/model.h"
#include "presence/store.h"

namespace lantern::card {

// A member to draw without a presence store (tools, tests).
struct CardSubject {
  presence::Member member;
  presence::Presence presence;
  std::optional<std::int64_t> last_seen_ms;
};

class CardService {
 public:
  using Done = std::function<void(std::string svg)>;

  CardService(ImageFetcher& fetcher, Themes themes, CdnBases cdn = {});

  // Renders the card of `view` (kept alive until `done` ran) at the moment `now_ms`.
  void render_card_async(presence::UserViewPtr view, CardOptions options, std::int64_t now_ms,
                         Done done) const;
  void render_card_async(CardSubject subject, CardOptions options, std::int64_t now_ms,
                         Done done) const;

  const Themes& themes() const { return themes_; }

 private:
  struct Source;
  void render(std::shared_ptr<const Source> source, CardOptions options, std::int64_t now_ms,
              Done done) const;

  ImageFetcher& fetcher_;
  const Themes themes_;
  const CdnBases cdn_;
};

}  // namespace lantern::card
