#include "card_samples.h"

#include <zlib.h>

#include "card/data_uri.h"
#include "card/image_urls.h"

namespace lantern::card::testing {
namespace {

void put_u32(std::string& out, std::uint32_t v) {
  out += static_cast<char>(v >> 24);
  out += static_cast<char>(v >> 16);
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v);
}

void put_chunk(std::string& out, const char* type, const std::string& data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  out += body;
  put_u32(out, static_cast<std::uint32_t>(
                   crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size())));
}

constexpr std::int64_t kMinute = 60'000;

}  // namespace

std::string solid_png(int width, int height, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  std::string raw;
  for (int y = 0; y < height; ++y) {
    raw += '\0';
    for (int x = 0; x < width; ++x) {
      raw += static_cast<char>(r);
      raw += static_cast<char>(g);
      raw += static_cast<char>(b);
    }
  }
  uLongf size = compressBound(raw.size());
  std::string packed(size, '\0');
  compress(reinterpret_cast<Bytef*>(packed.data()), &size,
           reinterpret_cast<const Bytef*>(raw.data()), raw.size());
  packed.resize(size);
  std::string ihdr;
  put_u32(ihdr, width);
  put_u32(ihdr, height);
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);
  std::string png = "\x89PNG\r\n\x1a\n";
  put_chunk(png, "IHDR", ihdr);
  put_chunk(png, "IDAT", packed);
  put_chunk(png, "IEND", "");
  return png;
}

Sample playing_sample() {
  Sample s;
  auto& user = s.member.user;
  user.id = 123456789012345678;
  user.username = "lantern";
  user.global_name = "Lantern Tester";
  user.avatar = "0123456789abcdef0123456789abcdef";
  user.public_flags = (1u << 0) | (1u << 6) | (1u << 17) | (1u << 22);
  user.server_tag = presence::ServerTag{987654321098765432, "LNTN", "badgehash"};
  s.presence.status = presence::Status::kOnline;
  presence::Activity custom;
  custom.id = "custom";
  custom.name = "Custom Status";
  custom.type = 4;
  custom.state = "Shipping cards";
  presence::Activity game;
  game.id = "game";
  game.name = "Visual Studio Code";
  game.type = 0;
  game.details = "Editing render.cpp";
  game.state = "Workspace: lantern";
  game.application_id = "383226320970055681";
  game.start_ms = kNowMs - 12 * kMinute - 34'000;
  game.assets = presence::ActivityAssets{{"565944799331860480", "Editing a C++ file"},
                                         {"565945770067623946", "Visual Studio Code"}};
  s.presence.activities = {custom, game};
  return s;
}

Sample spotify_sample() {
  Sample s = playing_sample();
  s.member.user.public_flags = 1u << 9;
  s.member.user.server_tag.reset();
  presence::Activity spotify;
  spotify.id = "spotify:1";
  spotify.name = "Spotify";
  spotify.type = 2;
  spotify.details = "Never Gonna Give You Up";
  spotify.state = "Rick Astley; Another Artist";
  spotify.sync_id = "4cOdK2wGLETKBW3PvgPWqT";
  spotify.start_ms = kNowMs - 107'000;
  spotify.end_ms = spotify.start_ms.value() + 213'000;
  spotify.assets = presence::ActivityAssets{
      {"spotify:ab67616d0000b273255e131abc1410833be95673", "Whenever You Need Somebody"}, {}};
  s.presence.status = presence::Status::kDnd;
  s.presence.activities = {spotify};
  return s;
}

Sample offline_sample() {
  Sample s;
  s.member.user.id = 234567890123456789;
  s.member.user.username = "sleepy.owl";
  s.member.user.public_flags = (1u << 7) | (1u << 14);
  s.presence.status = presence::Status::kOffline;
  s.last_seen_ms = kNowMs - 5 * kMinute - 12'000;
  return s;
}

Sample idle_custom_status_sample() {
  Sample s = playing_sample();
  s.presence.status = presence::Status::kIdle;
  s.presence.activities.resize(1);  // only the custom status
  s.member.user.public_flags = 0;
  return s;
}

CardImages sample_images(const Sample& sample) {
  CdnBases bases;
  const auto urls = card_image_urls(sample.member, sample.presence, CardOptions{}, bases);
  CardImages images;
  images.avatar = *make_data_uri(solid_png(8, 8, 88, 101, 242));
  if (urls.large_image) images.large_image = *make_data_uri(solid_png(8, 8, 240, 120, 60));
  if (urls.small_image) images.small_image = *make_data_uri(solid_png(4, 4, 60, 200, 120));
  if (urls.tag_badge) images.tag_badge = *make_data_uri(solid_png(4, 4, 200, 80, 200));
  return images;
}

}  // namespace lantern::card::testing
