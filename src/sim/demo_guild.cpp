#include "sim/demo_guild.h"

#include <array>
#include <string>
#include <string_view>

#include "sim/simulator.h"
#include "util/time.h"

namespace lantern::sim {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 24> kFirst = {
    "ember",  "nova",   "pixel",  "lumen",   "quill",   "river", "sable", "tango",
    "vesper", "willow", "zephyr", "aurora",  "basil",   "cosmo", "dune",  "fable",
    "gale",   "harbor", "indigo", "juniper", "kestrel", "lark",  "maple", "onyx"};
constexpr std::array<std::string_view, 16> kSecond = {
    "fox",  "owl",  "byte", "moth", "wren",  "lynx", "cat", "otter",
    "crow", "hare", "koi",  "seal", "finch", "wolf", "bee", "newt"};

struct Track {
  std::string_view song;
  std::string_view artists;
  std::string_view album;
  std::string_view sync_id;
  std::string_view image;
  int seconds;
};
constexpr std::array<Track, 8> kTracks = {{
    {"Night Drive", "Neon Harbor; Lumen Tide", "Night Drive (Deluxe)", "0aBcDeFgHiJkLmNoPqRsTu",
     "ab67616d0000b273a1b2c3d4e5f60718293a4b5c", 215},
    {"Paper Planes", "Kestrel Lane", "Skylines", "1bCdEfGhIjKlMnOpQrStUv",
     "ab67616d0000b273b2c3d4e5f60718293a4b5c6d", 187},
    {"Glass Garden", "Aurora Vale; The Quiet Owls; Fen", "Greenhouse", "2cDeFgHiJkLmNoPqRsTuVw",
     "ab67616d0000b273c3d4e5f60718293a4b5c6d7e", 243},
    {"Static Bloom", "Pixel Fable", "Static Bloom - Single", "3dEfGhIjKlMnOpQrStUvWx",
     "ab67616d0000b273d4e5f60718293a4b5c6d7e8f", 198},
    {"Café Lumière", "Sable & Cosmo", "Lumière", "4eFgHiJkLmNoPqRsTuVwXy",
     "ab67616d0000b273e5f60718293a4b5c6d7e8f90", 264},
    {"Undertow", "River Dune", "Tides", "5fGhIjKlMnOpQrStUvWxYz",
     "ab67616d0000b273f60718293a4b5c6d7e8f9001", 231},
    {"月の光", "Juniper Koi", "夜", "6gHiJkLmNoPqRsTuVwXyZa",
     "ab67616d0000b2730718293a4b5c6d7e8f900112", 176},
    {"Hollow Hills", "The Gale Collective; Maple", "Hollow Hills", "7hIjKlMnOpQrStUvWxYzAb",
     "ab67616d0000b273718293a4b5c6d7e8f9001122", 301},
}};

struct Game {
  std::string_view name;
  std::string_view application_id;
  std::string_view details;
  std::string_view state;
  std::string_view large_image;  // asset id or mp: path
  std::string_view large_text;
};
constexpr std::array<Game, 7> kGames = {{
    {"Minecraft", "1402418491272986635", "Survival", "Building a lighthouse", "1402419071802405025",
     "Minecraft"},
    {"Hades II", "1113568006355902504", "Fighting in Erebus", "Heat 12", "1113568442521571348",
     "Hades II"},
    {"Stardew Valley", "413151074063867904", "Spring, Year 3", "Fishing", "413151413555748864",
     "Stardew Valley"},
    {"Visual Studio Code", "383226320970055681", "Editing simulator.cpp", "Workspace: lantern",
     "mp:external/b7bHGIjEYhK0zhJYTE8w0kmXnQYrp1Bsgo0Rks8VKEQ/https/raw.githubusercontent.com/"
     "LeonardSSH/vscord/main/assets/icons/cpp.png",
     "Editing a C++ file"},
    {"Celeste", "432980957394370572", "Chapter 7", "Deaths: 1,204", "433006302331273216",
     "Celeste"},
    {"Counter-Strike 2", "1158877933042143272", "Competitive", "Mirage 9:7",
     "mp:external/x1fGEu5YOBKhv0fP7XHt0cz8Oz7W6bz7vW4f7WzD2ms/https/cdn.example.com/cs2.png",
     "Counter-Strike 2"},
    {"Apple Music", "773825528921849856", "Blue in Green", "Miles Davis",
     "mp:external/0QvQeXn4c3Y5d0yS9G0VJ4hLwQn3m9x2kQ6oTq2mUoI/https/is1-ssl.mzstatic.com/image/"
     "thumb/Music/v4/cover.jpg/512x512bb.jpg",
     "Kind of Blue"},
}};

struct Custom {
  std::string_view text;
  std::string_view emoji_name;
  std::string_view emoji_id;  // "" = unicode emoji
  bool animated;
};
constexpr std::array<Custom, 8> kCustom = {{
    {"on holiday", "🌴", "", false},
    {"shipping Lantern 🚀", "🚀", "", false},
    {"do not disturb, compiling", "blobcompile", "444444444444444444", true},
    {"café ☕ + code", "☕", "", false},
    {"Grüße aus Köln", "🇩🇪", "", false},
    {"", "catjam", "555555555555555555", true},
    {"touching grass", "🌱", "", false},
    {"listening to everything", "headphones_pink", "666666666666666666", false},
}};

constexpr std::array<std::string_view, 5> kTags = {"LNTN", "CAT", "GG", "OWL", "FOX"};

std::string hex(std::mt19937_64& rng, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(n, '0');
  for (char& c : s) c = kHex[rng() & 15];
  return s;
}

bool chance(std::mt19937_64& rng, double p) {
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < p;
}

template <typename T, std::size_t N>
const T& pick(std::mt19937_64& rng, const std::array<T, N>& items) {
  return items[rng() % N];
}

// "2021-05-03T00:00:00.000Z" -> "2021-05-03T00:00:00.000000+00:00" (Discord's spelling).
std::string discord_time(std::int64_t unix_ms) {
  std::string s = format_iso8601_ms(unix_ms);
  s.pop_back();
  return s + "000+00:00";
}

}  // namespace

json::object make_demo_member(std::mt19937_64& rng, Snowflake id, bool bot) {
  const std::string first(pick(rng, kFirst));
  const std::string second(pick(rng, kSecond));
  json::object user;
  user["id"] = to_string(id);
  const bool legacy = bot || chance(rng, 0.15);
  if (legacy) {
    user["username"] = bot ? first + " bot" : first + second;
    user["discriminator"] = std::to_string(1000 + rng() % 9000);
  } else {
    user["username"] = first + "_" + second + (chance(rng, 0.5) ? std::to_string(rng() % 100) : "");
    user["discriminator"] = "0";
  }
  if (bot || chance(rng, 0.2)) {
    user["global_name"] = nullptr;
  } else {
    std::string g = first + " " + second;
    g[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(g[0])));
    user["global_name"] = chance(rng, 0.1) ? g + " ✨" : g;
  }
  if (chance(rng, 0.2)) {
    user["avatar"] = nullptr;
  } else {
    user["avatar"] = (chance(rng, 0.15) ? "a_" : "") + hex(rng, 32);
  }
  if (bot) user["bot"] = true;
  static constexpr std::array<std::uint64_t, 8> kFlags = {
      0, 64, 128, 256, 64 | 4194304, 512 | 128, 131072 | 256, 1ULL << 44};
  std::uint64_t flags = chance(rng, 0.6) ? kFlags[rng() % kFlags.size()] : 0;
  if (bot && chance(rng, 0.5)) flags |= 65536;  // VERIFIED_BOT
  user["public_flags"] = flags;
  if (chance(rng, 0.1)) {
    user["avatar_decoration_data"] = json::object{
        {"asset", "a_" + hex(rng, 32)}, {"sku_id", "1144058522808614923"}, {"expires_at", nullptr}};
  } else {
    user["avatar_decoration_data"] = nullptr;
  }
  if (!bot && chance(rng, 0.25)) {
    json::object tag{{"identity_guild_id", "1234567890123456789"},
                     {"identity_enabled", chance(rng, 0.8)},
                     {"tag", std::string(pick(rng, kTags))},
                     {"badge", hex(rng, 32)}};
    user["primary_guild"] = tag;
    user["clan"] = tag;
  }

  json::object m;
  m["user"] = std::move(user);
  m["nick"] = chance(rng, 0.1) ? json::value(first + " (" + second + ")") : json::value(nullptr);
  m["avatar"] = nullptr;
  m["banner"] = nullptr;
  json::array roles;
  if (chance(rng, 0.3)) roles.push_back("333333333333333301");
  if (bot) roles.push_back("333333333333333302");
  m["roles"] = std::move(roles);
  // Joined some time after the account was created (deterministic per seed).
  const std::int64_t joined =
      snowflake_time_ms(id) + static_cast<std::int64_t>(rng() % (365ULL * 86'400'000));
  m["joined_at"] = discord_time(joined);
  m["premium_since"] = chance(rng, 0.05) ? json::value(discord_time(joined + 86'400'000LL * 30))
                                         : json::value(nullptr);
  m["deaf"] = false;
  m["mute"] = false;
  m["pending"] = false;
  m["flags"] = 0;
  m["communication_disabled_until"] = nullptr;
  return m;
}

json::object make_spotify_activity(std::mt19937_64& rng, Snowflake user_id, std::int64_t now_ms) {
  const Track& t = pick(rng, kTracks);
  const std::int64_t length = t.seconds * 1000LL;
  const std::int64_t start =
      now_ms - static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(length / 2));
  return json::object{{"type", 2},
                      {"name", "Spotify"},
                      {"id", "spotify:1"},
                      {"flags", 48},
                      {"details", t.song},
                      {"state", t.artists},
                      {"sync_id", t.sync_id},
                      {"session_id", hex(rng, 32)},
                      {"party", json::object{{"id", "spotify:" + to_string(user_id)}}},
                      {"timestamps", json::object{{"start", start}, {"end", start + length}}},
                      {"assets", json::object{{"large_image", "spotify:" + std::string(t.image)},
                                              {"large_text", t.album}}},
                      {"created_at", now_ms}};
}

json::object make_game_activity(std::mt19937_64& rng, std::int64_t now_ms) {
  const Game& g = pick(rng, kGames);
  json::object a{
      {"type", 0},
      {"name", g.name},
      {"id", hex(rng, 16)},
      {"application_id", g.application_id},
      {"details", g.details},
      {"state", g.state},
      {"timestamps",
       json::object{{"start", now_ms - static_cast<std::int64_t>(rng() % 7'200'000)}}},
      {"assets", json::object{{"large_image", g.large_image}, {"large_text", g.large_text}}},
      {"created_at", now_ms}};
  if (chance(rng, 0.5)) {
    a["assets"].as_object()["small_image"] = "mp:external/small/https/example.com/badge.png";
    a["assets"].as_object()["small_text"] = "Level " + std::to_string(1 + rng() % 99);
  }
  if (chance(rng, 0.3)) {
    a["party"] = json::object{{"id", hex(rng, 16)}, {"size", json::array{1 + rng() % 3, 4}}};
  }
  if (chance(rng, 0.2)) a["buttons"] = json::array{"Join", "Watch"};
  if (chance(rng, 0.3)) {
    static constexpr std::array<std::string_view, 4> kPlatforms = {"desktop", "xbox", "ps5", "ios"};
    a["platform"] = pick(rng, kPlatforms);
  }
  return a;
}

json::object make_custom_status(std::mt19937_64& rng, std::int64_t now_ms) {
  const Custom& c = pick(rng, kCustom);
  json::object emoji{{"name", c.emoji_name}};
  if (!c.emoji_id.empty()) {
    emoji["id"] = c.emoji_id;
    emoji["animated"] = c.animated;
  }
  json::object a{{"type", 4},
                 {"name", "Custom Status"},
                 {"id", "custom"},
                 {"emoji", emoji},
                 {"created_at", now_ms}};
  if (!c.text.empty()) a["state"] = c.text;
  return a;
}

json::object make_demo_presence(std::mt19937_64& rng, Snowflake user_id, std::int64_t now_ms) {
  static constexpr std::array<std::string_view, 6> kStatus = {"online", "online", "online",
                                                              "idle",   "dnd",    "idle"};
  const std::string status(pick(rng, kStatus));
  json::object cs;
  const auto platforms = rng() % 7;
  if (platforms & 1 || platforms == 0) cs["desktop"] = status;
  if (platforms & 2) cs["mobile"] = status;
  if (platforms & 4) cs["web"] = status;
  json::array activities;
  if (chance(rng, 0.4)) activities.push_back(make_custom_status(rng, now_ms));
  if (chance(rng, 0.35)) activities.push_back(make_spotify_activity(rng, user_id, now_ms));
  if (chance(rng, 0.35)) activities.push_back(make_game_activity(rng, now_ms));
  return json::object{{"status", status}, {"client_status", cs}, {"activities", activities}};
}

std::vector<DemoMember> make_demo_guild(const DemoGuildOptions& options) {
  std::mt19937_64 rng(options.seed);
  std::vector<DemoMember> out;
  out.reserve(options.members);
  const std::int64_t now = unix_now_ms();
  // Ids spread over 2016-2025 like real accounts, ascending.
  Snowflake id = (static_cast<Snowflake>(1451606400000 - kDiscordEpochMs) << 22);
  const Snowflake span = (static_cast<Snowflake>(1735689600000 - 1451606400000) << 22) /
                         std::max<std::size_t>(1, options.members);
  for (std::size_t i = 0; i < options.members; ++i) {
    id += 1 + rng() % std::max<Snowflake>(1, span);
    DemoMember m;
    m.id = id;
    const bool bot = chance(rng, options.bot_ratio);
    m.member = make_demo_member(rng, id, bot);
    if (!chance(rng, options.offline_ratio)) m.presence = make_demo_presence(rng, id, now);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<Snowflake> populate_demo_guild(Simulator& sim, const DemoGuildOptions& options) {
  std::vector<Snowflake> ids;
  for (auto& m : make_demo_guild(options)) {
    sim.add_member(m.member, m.presence);
    ids.push_back(m.id);
  }
  return ids;
}

}  // namespace lantern::sim
