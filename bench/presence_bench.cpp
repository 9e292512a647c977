// presence_bench: the cost of Lantern's hottest path, a PRESENCE_UPDATE from the
// gateway turned into a new snapshot, and of the reads that follow.
//
//   cmake --build build --target presence_bench && ./build/bench/presence_bench
//
// Items/s of BM_DecodeApplyPresenceUpdate is the number to compare with the
// target of 200k PRESENCE_UPDATE per second on one core. Its second argument
// says whether a socket listens to the member: 0 = nobody (the store only
// decodes and applies; snapshots render lazily), 1 = a listener renders the
// new snapshot's JSON once per event, as the hub does to encode its frame.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "discord/wire_decode.h"
#include "discord/zlib_inflater.h"
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

// Not inlined so that `valgrind --tool=callgrind --toggle-collect='*decode_and_apply*'`
// counts exactly the instructions of parse + decode + apply.
[[gnu::noinline]] bool decode_and_apply(discord::PayloadParser& parser,
                                        presence::PresenceStore& store, std::string_view text) {
  auto envelope = parser.parse(text);
  if (!envelope) return false;
  auto event = discord::decode_store_event(envelope->type, envelope->data);
  if (!event) return false;
  // The decoded event is a temporary: its strings and activities move into the store.
  std::visit([&](auto& e) { store.apply(std::move(e)); }, *event.value);
  return true;
}

// Stands in for the hub when a session listens: renders each changed snapshot
// once (transiently, like an event frame), and nothing else.
class RenderingListener final : public presence::ChangeListener {
 public:
  void on_changes(std::span<const presence::Change> changes) override {
    for (const presence::Change& change : changes) {
      if (!change.view) continue;
      frame_.clear();
      change.view->append_json_transient(frame_, 1769904239618 + 100'000);
      benchmark::DoNotOptimize(frame_.data());
    }
  }

 private:
  std::string frame_;
};

// The listener for a benchmark's "listened" argument (null = nobody listens).
presence::ChangeListener* listener_for(benchmark::State& state, RenderingListener& listener) {
  return state.range(1) != 0 ? &listener : nullptr;
}

void BM_DecodeApplyPresenceUpdate(benchmark::State& state) {
  const int users = static_cast<int>(state.range(0));
  RenderingListener listener;
  presence::PresenceStore store(kGuild, listener_for(state, listener), nullptr);
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
BENCHMARK(BM_DecodeApplyPresenceUpdate)
    ->ArgNames({"users", "listened"})
    ->ArgsProduct({{1000, 50000}, {0, 1}});

// Discord's zlib-stream transport: one deflate stream, each payload ending in a
// Z_SYNC_FLUSH (00 00 ff ff), as the gateway sends them.
std::vector<std::string> zlib_stream_messages(const std::vector<std::string>& texts) {
  z_stream z{};
  deflateInit(&z, Z_DEFAULT_COMPRESSION);
  std::vector<std::string> messages;
  messages.reserve(texts.size());
  std::string out;
  for (const std::string& text : texts) {
    out.resize(deflateBound(&z, text.size()) + 64);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    z.avail_in = static_cast<uInt>(text.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, Z_SYNC_FLUSH);
    messages.emplace_back(out.data(), out.size() - z.avail_out);
  }
  deflateEnd(&z);
  return messages;
}

// What the gateway client does per PRESENCE_UPDATE: inflate (zlib-stream) +
// parse + decode + apply. The stream is replayed from its start (new inflater,
// outside the timing) when exhausted.
[[gnu::noinline]] bool inflate_decode_apply(discord::ZlibStreamInflater& inflater,
                                            std::string& payload, discord::PayloadParser& parser,
                                            presence::PresenceStore& store,
                                            const std::string& message) {
  if (inflater.feed(message, payload) != discord::ZlibStreamInflater::Result::kPayload) {
    return false;
  }
  return decode_and_apply(parser, store, payload);
}

void BM_InflateDecodeApplyPresenceUpdate(benchmark::State& state) {
  const int users = static_cast<int>(state.range(0));
  RenderingListener listener;
  presence::PresenceStore store(kGuild, listener_for(state, listener), nullptr);
  sync_members(store, users);
  std::vector<std::string> texts;
  for (int round = 0; round < 5; ++round) {
    for (std::string& text : payloads(users)) texts.push_back(std::move(text));
  }
  const std::vector<std::string> messages = zlib_stream_messages(texts);
  auto inflater = std::make_unique<discord::ZlibStreamInflater>(8 << 20);
  std::string payload;
  discord::PayloadParser parser;
  std::size_t i = 0;
  std::int64_t compressed = 0;
  for (auto _ : state) {
    if (!inflate_decode_apply(*inflater, payload, parser, store, messages[i])) {
      state.SkipWithError("inflate or decode failed");
    }
    compressed += static_cast<std::int64_t>(messages[i].size());
    if (++i == messages.size()) {
      state.PauseTiming();
      i = 0;
      inflater = std::make_unique<discord::ZlibStreamInflater>(8 << 20);
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(compressed);
}
BENCHMARK(BM_InflateDecodeApplyPresenceUpdate)
    ->ArgNames({"users", "listened"})
    ->ArgsProduct({{1000}, {0, 1}});

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

// Bytes currently allocated through malloc (glibc): heap + mmapped blocks.
std::int64_t heap_in_use() {
  const struct mallinfo2 info = mallinfo2();
  return static_cast<std::int64_t>(info.uordblks + info.hblkhd);
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

// Typical presences (the issue's "memory per monitored member"): a member as a
// chunk delivers it (username, global name, avatar hash, no server tag for most).
std::string member_json(Snowflake id, int i) {
  const std::string avatar = i % 5 == 0 ? "null" : R"("a1b2c3d4e5f60718293a4b5c6d7e8f90")";
  return R"({"user":{"id":")" + std::to_string(id) + R"(","username":"member_)" +
         std::to_string(i) + R"(","discriminator":"0","avatar":)" + avatar +
         R"(,"global_name":"Member )" + std::to_string(i) +
         R"(","public_flags":0},"roles":[],"joined_at":"2021-05-03T00:00:00.000000+00:00"})";
}

// 70% online: a custom status with an emoji, a game with assets; one online
// member in three also listens to Spotify. 30% offline: no presence at all.
std::string typical_presence_json(Snowflake id, int i) {
  std::string activities = R"({"type":4,"state":"back in 5","name":"Custom Status","id":"custom",)"
                           R"("emoji":{"name":"☕"},"created_at":1769904353437})";
  activities +=
      R"(,{"type":0,"timestamps":{"start":1769904111948},"name":"Counter-Strike 2",)"
      R"("id":"ccee1fabaa8a355e","created_at":1769904114554,"application_id":"1158877933042143272",)"
      R"("assets":{"large_image":"1159210392193523832","large_text":"Competitive"}})";
  if (i % 3 == 0) {
    activities +=
        R"(,{"type":2,"timestamps":{"start":1769904239618,"end":1769904406559},)"
        R"("sync_id":"0O4yYsvGWYhznwzgg4493X","state":"YungLex; Lil Boom","name":"Spotify",)"
        R"("id":"spotify:1","details":"Rose","created_at":1769904353437,)"
        R"("assets":{"large_text":"Rose","large_image":"spotify:ab67616d0000b27375bf186f00f7b0b88cf5c5b9"}})";
  }
  return R"({"user":{"id":")" + std::to_string(id) +
         R"("},"status":"online","client_status":{"desktop":"online"},"activities":[)" +
         activities + "]}";
}

// Heap growth of a store synced from GUILD_MEMBERS_CHUNKs (1,000 members each,
// decoded by the gateway's parser) / members. Counts everything the store keeps:
// snapshots, models, both maps; `bytes_per_member` right after the sync (nothing
// read, so nothing rendered), `bytes_per_member_all_read` after every member's
// JSON was read once (the worst case: each snapshot keeps its rendering).
void BM_MemoryPerMemberTypicalMix(benchmark::State& state) {
  const int users = static_cast<int>(state.range(0));
  double per_member = 0;
  double all_read_per_member = 0;
  double online_share = 0;
  double json_per_member = 0;
  double activities_per_member = 0;
  for (auto _ : state) {
    std::vector<std::string> chunks;
    int online = 0;
    for (int first = 0; first < users; first += 1000) {
      std::string members;
      std::string presences;
      for (int i = first; i < std::min(users, first + 1000); ++i) {
        const Snowflake id = kFirstUser + static_cast<Snowflake>(i);
        if (i > first) members += ",";
        members += member_json(id, i);
        if (i % 10 < 3) continue;  // 30% offline
        ++online;
        if (!presences.empty()) presences += ",";
        presences += typical_presence_json(id, i);
      }
      chunks.push_back(R"({"op":0,"s":1,"t":"GUILD_MEMBERS_CHUNK","d":{"guild_id":")" +
                       std::to_string(kGuild) + R"(","chunk_index":0,"chunk_count":1,"members":[)" +
                       members + R"(],"presences":[)" + presences + "]}}");
    }
    discord::PayloadParser parser;
    const std::int64_t before = heap_in_use();
    {
      presence::PresenceStore store(kGuild, nullptr, nullptr);
      store.begin_sync();
      for (const std::string& chunk : chunks) decode_and_apply(parser, store, chunk);
      store.end_sync();
      parser.parse("{}");  // the parser's heap blocks are not the store's
      per_member = static_cast<double>(heap_in_use() - before) / users;
      if (store.size() != static_cast<std::size_t>(users)) state.SkipWithError("sync incomplete");
      // Where the bytes go: the JSON a read renders and keeps per snapshot, and
      // the model's activities (sizeof(Activity) each, plus their longer strings).
      std::size_t json_bytes = 0;
      std::size_t activities = 0;
      for (const auto& view : store.all()) {
        json_bytes += view->json(0).size();
        activities += view->presence().activities.size();
      }
      all_read_per_member = static_cast<double>(heap_in_use() - before) / users;
      json_per_member = static_cast<double>(json_bytes) / users;
      activities_per_member = static_cast<double>(activities) / users;
    }
    online_share = static_cast<double>(online) / users;
  }
  state.counters["bytes_per_member"] = per_member;
  state.counters["bytes_per_member_all_read"] = all_read_per_member;
  state.counters["json_bytes_per_member"] = json_per_member;
  state.counters["activities_per_member"] = activities_per_member;
  state.counters["sizeof_activity"] = sizeof(presence::Activity);
  state.counters["online_share"] = online_share;
}
BENCHMARK(BM_MemoryPerMemberTypicalMix)->Arg(50000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
