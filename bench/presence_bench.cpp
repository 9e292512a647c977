// presence_bench: the cost of Lantern's hottest path, a PRESENCE_UPDATE from the
// gateway turned into a new rendered snapshot, and of the reads that follow.
//
//   cmake --build build --target presence_bench && ./build/bench/presence_bench
//
// Items/s of BM_DecodeApplyPresenceUpdate is the number to compare with the
// target of 200k PRESENCE_UPDATE per second on one core.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <string>
#include <vector>

#include "discord/wire_decode.h"
#include "presence/store.h"

namespace {

using lantern::Snowflake;
using namespace lantern;

constexpr Snowflake kGuild = 1015060230222131221;
constexpr Snowflake kFirstUser = 366321739787010059;

// A realistic PRESENCE_UPDATE (Spotify with several artists, a game, a PreMiD
// activity with an mp: asset), as captured in tests/fixtures/discord, with the
// user id and the song varied so that every event really changes the member.
std::string presence_payload(Snowflake user, int variant) {
  const std::string song = variant % 2 ? "Rose" : "Rose (Sped Up)";
  return R"({"t":"PRESENCE_UPDATE","s":42,"op":0,"d":{"user":{"id":")" + std::to_string(user) +
         R"("},"status":"dnd","guild_id":"1015060230222131221","client_status":{"mobile":"dnd","desktop":"dnd"},"activities":[{"type":2,"timestamps":{"start":1769904239618,"end":1769904406559},"sync_id":"0O4yYsvGWYhznwzgg4493X","state":"YungLex; Lil Boom; Ciscaux","session_id":"adc9fcb08fb034b7c583a3aa8537730d","party":{"id":"spotify:366321739787010059"},"name":"Spotify","id":"spotify:1","flags":48,"details":")" +
         song +
         R"(","created_at":1769904353437,"assets":{"large_text":"Rose","large_image":"spotify:ab67616d0000b27375bf186f00f7b0b88cf5c5b9"}},{"type":0,"timestamps":{"start":1769904111948},"session_id":"adc9fcb08fb034b7c583a3aa8537730d","name":"Arknights:Endfield","id":"ccee1fabaa8a355e","created_at":1769904114554,"application_id":"1461154307171811401"},{"type":3,"timestamps":{"start":1769897827000},"session_id":"h:abaabb202eccfc32ed3cf58e0823","platform":"desktop","name":"YouTube","id":"f7bc0b2997164dfd","flags":192,"details":"Viewing home page","created_at":1769899338296,"assets":{"large_image":"mp:external/rqJdUc_gEj_38ku0G14If-M0XfkyY0CSaGfaWRAydOU/https/cdn.rcd.gg/PreMiD/websites/Y/YouTube/assets/logo.png"},"application_id":"463097721130188830"}]}})";
}

presence::MemberEvent member(Snowflake id) {
  presence::UserPatch user;
  user.id = id;
  user.username = "koifishxd";
  user.discriminator = "0";
  user.global_name = std::optional<std::string>("koi");
  user.avatar = std::optional<std::string>("3f7db8acc85cb1486372354c131abf69");
  user.public_flags = 256;
  user.server_tag = std::optional<presence::ServerTag>(
      presence::ServerTag{1407192325943197706, "RESN", "681eca471aa735fe864068f9cc978760"});
  return presence::MemberEvent{user, 1718747525463};
}

void sync_members(presence::PresenceStore& store, int count) {
  presence::GuildCreate guild;
  guild.guild_id = kGuild;
  for (int i = 0; i < count; ++i) guild.members.push_back(member(kFirstUser + i));
  store.begin_sync();
  store.apply(guild);
  store.end_sync();
}

// Two payloads per user (alternating songs): every applied event is a change.
std::vector<std::string> payloads(int users) {
  std::vector<std::string> texts;
  texts.reserve(2 * users);
  for (int variant = 0; variant < 2; ++variant) {
    for (int i = 0; i < users; ++i) texts.push_back(presence_payload(kFirstUser + i, variant));
  }
  return texts;
}

bool decode_and_apply(discord::PayloadParser& parser, presence::PresenceStore& store,
                      const std::string& text) {
  auto envelope = parser.parse(text);
  if (!envelope) return false;
  auto event = discord::decode_store_event(envelope->type, envelope->data);
  if (!event) return false;
  std::visit([&](const auto& e) { store.apply(e); }, *event.value);
  return true;
}

void BM_DecodeApplyPresenceUpdate(benchmark::State& state) {
  const int users = static_cast<int>(state.range(0));
  presence::PresenceStore store(kGuild, nullptr, nullptr);
  sync_members(store, users);
  const std::vector<std::string> texts = payloads(users);
  discord::PayloadParser parser;
  std::size_t i = 0;
  for (auto _ : state) {
    if (!decode_and_apply(parser, store, texts[i])) state.SkipWithError("decode failed");
    if (++i == texts.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(texts[0].size()));
}
BENCHMARK(BM_DecodeApplyPresenceUpdate)->Arg(1000)->Arg(50000);

// The same event twice in a row: decoded, compared, no render, no publish.
void BM_DecodeApplyDuplicate(benchmark::State& state) {
  presence::PresenceStore store(kGuild, nullptr, nullptr);
  sync_members(store, 1);
  const std::string text = presence_payload(kFirstUser, 0);
  discord::PayloadParser parser;
  decode_and_apply(parser, store, text);
  for (auto _ : state) {
    if (!decode_and_apply(parser, store, text)) state.SkipWithError("decode failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeApplyDuplicate);

void BM_DecodeOnly(benchmark::State& state) {
  const std::string text = presence_payload(kFirstUser, 0);
  discord::PayloadParser parser;
  for (auto _ : state) {
    auto envelope = parser.parse(text);
    auto event = discord::decode_presence_update(envelope->data);
    benchmark::DoNotOptimize(event);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeOnly);

presence::Presence sample_presence() {
  discord::PayloadParser parser;
  auto envelope = parser.parse(presence_payload(kFirstUser, 0));
  return discord::decode_presence_update(envelope->data)->presence.presence;
}

presence::Member sample_member() {
  presence::Member m;
  member(kFirstUser).user.apply_to(m.user);
  m.joined_at_ms = 1718747525463;
  return m;
}

// Rendering once per change (what apply() pays on top of decoding).
void BM_RenderUser(benchmark::State& state) {
  const presence::Member m = sample_member();
  const presence::Presence p = sample_presence();
  for (auto _ : state) {
    auto rendered = presence::render_user(m, p, std::nullopt, nullptr);
    benchmark::DoNotOptimize(rendered);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RenderUser);

// A read: copy of the snapshot's text with the Spotify elapsed time spliced in.
void BM_ReadUserJson(benchmark::State& state) {
  const auto view = presence::UserView::make(sample_member(), sample_presence(), std::nullopt, {});
  std::string out;
  for (auto _ : state) {
    out.clear();
    view->append_json(out, 1769904239618 + 100'000);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["json_bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_ReadUserJson);

// Bytes currently allocated through malloc (glibc).
std::int64_t heap_in_use() {
  return static_cast<std::int64_t>(mallinfo2().uordblks);
}

// Memory per member with a realistic presence: heap growth of a store holding
// `users` members (snapshot, model, rendered JSON, maps) / members.
void BM_MemoryPerMember(benchmark::State& state) {
  const int users = static_cast<int>(state.range(0));
  double per_member = 0;
  for (auto _ : state) {
    const std::int64_t before = heap_in_use();
    {
      presence::PresenceStore store(kGuild, nullptr, nullptr);
      sync_members(store, users);
      discord::PayloadParser parser;
      for (int i = 0; i < users; ++i) {
        decode_and_apply(parser, store, presence_payload(kFirstUser + i, 0));
      }
      per_member = static_cast<double>(heap_in_use() - before) / users;
    }
  }
  state.counters["bytes_per_member"] = per_member;
}
BENCHMARK(BM_MemoryPerMember)->Arg(50000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
