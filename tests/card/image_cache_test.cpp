#include "card/image_cache.h"

#include <gtest/gtest.h>

namespace lantern::card {
namespace {

using Clock = ImageCache::Clock;
using std::chrono::seconds;

CachedImagePtr image_of(std::size_t size, char fill = 'a') {
  return std::make_shared<const CachedImage>(CachedImage{std::string(size, fill)});
}

TEST(ImageCacheTest, ReturnsWhatWasPut) {
  ImageCache cache({});
  const auto now = Clock::now();
  auto image = image_of(10);
  cache.put("u", image, now);
  EXPECT_EQ(cache.get("u", now), image);
  EXPECT_EQ(cache.get("other", now), nullptr);
}

TEST(ImageCacheTest, EvictsLeastRecentlyUsedByBytes) {
  const std::size_t entry = ImageCache::cost("a", CachedImage{std::string(1000, 'x')});
  ImageCache cache({.max_bytes = 3 * entry});
  const auto now = Clock::now();
  cache.put("a", image_of(1000), now);
  cache.put("b", image_of(1000), now);
  cache.put("c", image_of(1000), now);
  ASSERT_TRUE(cache.get("a", now));  // "b" is now the least recently used
  cache.put("d", image_of(1000), now);
  EXPECT_TRUE(cache.get("a", now));
  EXPECT_FALSE(cache.get("b", now));
  EXPECT_TRUE(cache.get("c", now));
  EXPECT_TRUE(cache.get("d", now));
  EXPECT_LE(cache.bytes(), 3 * entry);
  EXPECT_EQ(cache.size(), 3u);
}

TEST(ImageCacheTest, OneBigEntryEvictsSeveralSmallOnes) {
  const std::size_t small = ImageCache::cost("a", CachedImage{std::string(100, 'x')});
  ImageCache cache({.max_bytes = 4 * small});
  const auto now = Clock::now();
  for (const char* key : {"a", "b", "c", "d"}) cache.put(key, image_of(100), now);
  cache.put("e", image_of(2 * small), now);
  EXPECT_LE(cache.bytes(), 4 * small);
  EXPECT_TRUE(cache.get("e", now));
  EXPECT_FALSE(cache.get("a", now));
  EXPECT_FALSE(cache.get("b", now));
}

TEST(ImageCacheTest, DoesNotStoreAnEntryBiggerThanTheWholeCache) {
  ImageCache cache({.max_bytes = 1000});
  cache.put("huge", image_of(5000), Clock::now());
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(ImageCacheTest, EntriesExpireAfterTheirTtl) {
  ImageCache cache({.ttl = seconds(60), .failure_ttl = seconds(5)});
  const auto now = Clock::now();
  cache.put("good", image_of(10), now);
  cache.put("bad", std::make_shared<const CachedImage>(), now);
  EXPECT_TRUE(cache.get("good", now + seconds(59)));
  EXPECT_TRUE(cache.get("bad", now + seconds(4)));
  EXPECT_FALSE(cache.get("bad", now + seconds(5)));
  EXPECT_FALSE(cache.get("good", now + seconds(60)));
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(ImageCacheTest, ReplacingAnEntryKeepsTheByteCountRight) {
  ImageCache cache({});
  const auto now = Clock::now();
  cache.put("u", image_of(10), now);
  cache.put("u", image_of(20), now);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.bytes(), ImageCache::cost("u", CachedImage{std::string(20, 'a')}));
}

}  // namespace
}  // namespace lantern::card
