#include "discord/wire_decode.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <set>

#include "testing/fixtures.h"

namespace lantern::discord {
namespace {

namespace fs = std::filesystem;
using lantern::testing::fixture_path;
using lantern::testing::read_fixture;
using presence::Status;

GatewayEnvelope envelope_of(const std::string& fixture) {
  auto decoded = decode_envelope(read_fixture("discord/" + fixture));
  EXPECT_TRUE(decoded) << fixture << ": " << decoded.error;
  return decoded ? std::move(*decoded.value) : GatewayEnvelope{};
}

template <typename T, typename Decoder>
T decode_fixture(const std::string& fixture, Decoder decoder) {
  const GatewayEnvelope envelope = envelope_of(fixture);
  auto decoded = decoder(envelope.data);
  EXPECT_TRUE(decoded) << fixture << ": " << decoded.error;
  return decoded ? std::move(*decoded.value) : T{};
}

// ---- envelope and session payloads -----------------------------------------

TEST(EnvelopeTest, DispatchCarriesOpSeqTypeAndData) {
  const GatewayEnvelope env = envelope_of("presence_update.spotify.discord4j.json");
  EXPECT_EQ(env.op, 0);
  EXPECT_EQ(env.seq, 116597);
  EXPECT_EQ(env.type, "PRESENCE_UPDATE");
  EXPECT_TRUE(env.data.is_object());
}

TEST(EnvelopeTest, HelloHasNullSeqAndType) {
  const GatewayEnvelope env = envelope_of("hello.discord4j.json");
  EXPECT_EQ(env.op, 10);
  EXPECT_EQ(env.seq, std::nullopt);
  EXPECT_EQ(env.type, "");
  const auto hello = decode_hello(env.data);
  ASSERT_TRUE(hello) << hello.error;
  EXPECT_GT(hello->heartbeat_interval_ms, 0);
}

TEST(EnvelopeTest, MalformedPayloadsAreErrorsNotExceptions) {
  for (std::string_view text :
       {R"({"op":0,"d":{"user":{"id":"1")", "", "[]", "42", R"({"d":{}})", R"({"op":"x"})",
        R"({"op":-1})", R"({"op":1e400})", R"({"op":99999})", "{\"op\":0,\"t\":\"\xff\"}",
        R"({"op":0}garbage)"}) {
    const auto decoded = decode_envelope(text);
    EXPECT_FALSE(decoded) << text;
    EXPECT_FALSE(decoded.error.empty()) << text;
  }
}

TEST(EnvelopeTest, WrongTypedSeqAndTypeCountAsAbsent) {
  const auto decoded = decode_envelope(R"({"op":0,"s":"abc","t":7,"d":null})");
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->seq, std::nullopt);
  EXPECT_EQ(decoded->type, "");
  EXPECT_TRUE(decoded->data.is_null());
}

TEST(EnvelopeTest, DeepNestingIsRejected) {
  std::string deep = R"({"op":0,"d":)";
  for (int i = 0; i < 200; ++i) deep += "[";
  for (int i = 0; i < 200; ++i) deep += "]";
  deep += "}";
  EXPECT_FALSE(decode_envelope(deep));
}

TEST(PayloadParserTest, ReusesItsArenaAcrossPayloads) {
  PayloadParser parser(256);  // smaller than one payload: exercises the heap fallback
  const std::string spotify = read_fixture("discord/presence_update.spotify.discord4j.json");
  const std::string guild = read_fixture("discord/guild_create.v10.discordbm.json");
  for (int round = 0; round < 3; ++round) {
    auto a = parser.parse(spotify);
    ASSERT_TRUE(a) << a.error;
    const auto pu = decode_presence_update(a->data);
    ASSERT_TRUE(pu) << pu.error;
    EXPECT_EQ(pu->presence.presence.activities.at(0).name, "Spotify");
    EXPECT_FALSE(parser.parse("{not json"));
    auto b = parser.parse(guild);
    ASSERT_TRUE(b) << b.error;
    const auto gc = decode_guild_create(b->data);
    ASSERT_TRUE(gc) << gc.error;
    EXPECT_EQ(gc->members.size(), 4u);
  }
}

// A GUILD_MEMBERS_CHUNK of `members` members, every third one online with a
// custom status and a Spotify activity (what a 100k-member sync delivers).
std::string large_chunk(int index, int members) {
  std::string members_json;
  std::string presences_json;
  for (int i = 0; i < members; ++i) {
    const std::string id = std::to_string(400000000000000000ULL + index * members + i);
    if (i > 0) members_json += ",";
    members_json += R"({"user":{"id":")" + id + R"(","username":"user)" + std::to_string(i) +
                    R"(","discriminator":"0","avatar":null,"global_name":"User"},"roles":[],)"
                    R"("joined_at":"2021-05-03T00:00:00.000000+00:00","deaf":false,"mute":false})";
    if (i % 3 != 0) continue;
    if (!presences_json.empty()) presences_json += ",";
    presences_json +=
        R"({"user":{"id":")" + id +
        R"("},"status":"online","client_status":{"desktop":"online"},"activities":[)"
        R"({"id":"custom","name":"Custom Status","type":4,"state":"working","created_at":1700000000000},)"
        R"({"id":"spotify:1","name":"Spotify","type":2,"details":"Song","state":"Artist",)"
        R"("sync_id":"abc","timestamps":{"start":1700000000000,"end":1700000200000}}]})";
  }
  return R"({"op":0,"s":)" + std::to_string(index + 3) +
         R"(,"t":"GUILD_MEMBERS_CHUNK","d":{"guild_id":"1","chunk_index":)" +
         std::to_string(index) + R"(,"chunk_count":100,"members":[)" + members_json +
         R"(],"presences":[)" + presences_json + "]}}";
}

std::size_t heap_bytes_in_use() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;  // brk heap + mmapped blocks
}

// Regression: Boost 1.81's monotonic_resource keeps doubling its next block
// size across release(), so one parser reused for a 100k-member sync threw
// bad_alloc around the 18th chunk. Every payload must now start from the fixed
// buffer again, and the heap the parser holds must not grow from chunk to chunk.
TEST(PayloadParserTest, ManyLargeChunksInARowStayBounded) {
  PayloadParser parser;
  std::vector<std::string> chunks;
  for (int i = 0; i < 4; ++i) chunks.push_back(large_chunk(i, 1000));
  std::size_t settled = 0;
  for (int round = 0; round < 50; ++round) {
    const std::string& text = chunks[round % chunks.size()];
    std::optional<Decoded<GatewayEnvelope>> envelope;
    ASSERT_NO_THROW(envelope.emplace(parser.parse(text))) << "chunk " << round;
    ASSERT_TRUE(*envelope) << envelope->error;
    const auto chunk = decode_members_chunk(envelope->value->data);
    ASSERT_TRUE(chunk) << chunk.error;
    ASSERT_EQ(chunk->members.size(), 1000u);
    ASSERT_EQ(chunk->presences.size(), 334u);
    const std::size_t in_use = heap_bytes_in_use();
    if (round == 8) settled = in_use;
    if (round > 8) {
      // The arena for one chunk is at most about twice the document; growth
      // from one chunk to the next would show here long before bad_alloc.
      EXPECT_LT(in_use, settled + 2 * text.size()) << "chunk " << round;
    }
  }
}

TEST(ReadyTest, V10ReadyGivesSessionResumeUrlUserAndApplication) {
  const auto ready = decode_fixture<ReadyPayload>("ready.v10.accordjl.json", decode_ready);
  EXPECT_EQ(ready.session_id, "session_id_3");
  EXPECT_EQ(ready.resume_gateway_url, "wss://gateway.discord.gg/?v=10&encoding=json");
  EXPECT_EQ(ready.user_id, 900000000000000018u);
  EXPECT_EQ(ready.application_id, 900000000000000018u);
}

TEST(ReadyTest, OldReadyWithoutResumeUrlOrApplication) {
  const auto ready = decode_fixture<ReadyPayload>("ready.disgord.json", decode_ready);
  EXPECT_EQ(ready.session_id, "77ff1762f099d426bc4fbb6837ab7b82");
  EXPECT_EQ(ready.resume_gateway_url, std::nullopt);
  EXPECT_EQ(ready.user_id, 4868322111192069632u);
  EXPECT_EQ(ready.application_id, std::nullopt);
}

TEST(ReadyTest, EveryReadyFixtureDecodes) {
  for (const char* f : {"ready.discord4j.json", "ready.v10.discordbm.json",
                        "sequences/disgord-startup-smooth-1/1_0_READY.json"}) {
    const auto ready = decode_fixture<ReadyPayload>(f, decode_ready);
    EXPECT_FALSE(ready.session_id.empty()) << f;
    EXPECT_NE(ready.user_id, 0u) << f;
  }
  EXPECT_FALSE(decode_ready(boost::json::parse(R"({"user":{"id":"1"}})")));
  EXPECT_FALSE(decode_ready(boost::json::parse(R"({"session_id":"s","user":{"id":"x1"}})")));
}

// ---- every captured dispatch ------------------------------------------------

std::vector<std::string> all_fixture_files() {
  std::vector<std::string> files;
  const fs::path root = fixture_path("discord");
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(fs::relative(entry.path(), root).string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(FixtureTest, EverySupportedDispatchDecodes) {
  std::set<std::string> seen_types;
  int decoded_events = 0;
  for (const std::string& file : all_fixture_files()) {
    SCOPED_TRACE(file);
    const auto envelope = decode_envelope(read_fixture("discord/" + file));
    const bool gateway_payload = file.find("lanyard.") == std::string::npos &&
                                 file.find("rest.") == std::string::npos && file != "manifest.json";
    if (!gateway_payload) {
      EXPECT_FALSE(envelope);  // no op: not a gateway payload, and said so without throwing
      continue;
    }
    ASSERT_TRUE(envelope) << envelope.error;
    if (envelope->op != 0 || !is_store_event(envelope->type)) continue;
    const auto event = decode_store_event(envelope->type, envelope->data);
    EXPECT_TRUE(event) << event.error;
    seen_types.insert(envelope->type);
    ++decoded_events;
  }
  EXPECT_EQ(seen_types, (std::set<std::string>{"GUILD_CREATE", "GUILD_MEMBERS_CHUNK",
                                               "GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE",
                                               "GUILD_MEMBER_REMOVE", "PRESENCE_UPDATE"}));
  EXPECT_GE(decoded_events, 30);
}

TEST(FixtureTest, NonStoreDispatchesAreRefused) {
  EXPECT_FALSE(is_store_event("TYPING_START"));
  const auto event = decode_store_event("TYPING_START", boost::json::object());
  EXPECT_FALSE(event);
  EXPECT_NE(event.error.find("TYPING_START"), std::string::npos);
}

// ---- PRESENCE_UPDATE ------------------------------------------------------------

TEST(PresenceUpdateTest, CustomEmojiSpotifyAndGames) {
  const auto pu = decode_fixture<presence::PresenceUpdate>(
      "presence_update.custom_emoji_spotify_games_premid.DERIVED.react-discord-presence.json",
      decode_presence_update);
  EXPECT_EQ(pu.guild_id, 1378135304107458560u);
  const presence::UserPatch& user = pu.presence.user;
  EXPECT_EQ(user.id, 194976024457510912u);
  EXPECT_FALSE(user.username || user.discriminator || user.global_name || user.avatar || user.bot ||
               user.public_flags || user.server_tag);  // partial: only the id
  const presence::Presence& p = pu.presence.presence;
  EXPECT_EQ(p.status, Status::kOnline);
  EXPECT_EQ(p.client_status.desktop, Status::kOnline);
  EXPECT_EQ(p.client_status.mobile, Status::kOffline);
  ASSERT_EQ(p.activities.size(), 5u);
  const presence::Activity& custom = p.activities[0];
  EXPECT_EQ(custom.type, 4);
  EXPECT_EQ(custom.state, "😼");
  ASSERT_TRUE(custom.emoji);
  EXPECT_EQ(custom.emoji->name, "eyesshaking");
  EXPECT_EQ(custom.emoji->id, 662645652668547083u);
  EXPECT_TRUE(custom.emoji->animated);
  const presence::Activity& spotify = p.activities[1];
  EXPECT_TRUE(spotify.is_spotify());
  EXPECT_EQ(spotify.sync_id, "77wq6jYIE2g0VcMjRfHdY0");
  EXPECT_EQ(spotify.start_ms, 1676232497145);
  EXPECT_EQ(spotify.end_ms, 1676232687101);
  EXPECT_EQ(spotify.assets->large.text, "Black Betty - Single");
  const presence::Activity& neovim = p.activities[2];
  EXPECT_EQ(neovim.application_id, "793271441293967371");
  EXPECT_EQ(neovim.assets->small.image, "794715645786587137");
  EXPECT_EQ(neovim.end_ms, std::nullopt);
  EXPECT_EQ(p.activities[3].assets, std::nullopt);
}

TEST(PresenceUpdateTest, InvisibleAndEmptyClientStatusReadOffline) {
  const auto pu = decode_presence_update(boost::json::parse(
      R"({"user":{"id":"228846961774559232"},"status":"invisible","client_status":{},
          "activities":[]})"));
  ASSERT_TRUE(pu) << pu.error;
  EXPECT_EQ(pu->guild_id, 0u);
  EXPECT_EQ(pu->presence.presence, presence::Presence{});
}

TEST(PresenceUpdateTest, WrongTypesAreTreatedAsAbsent) {
  const auto pu = decode_presence_update(boost::json::parse(R"({
    "user": {"id": "228846961774559232", "username": 5, "avatar": ["x"], "global_name": null,
             "bot": "yes", "public_flags": 1e30, "discriminator": null},
    "guild_id": null, "status": 5, "client_status": {"desktop": 1, "web": "dnd", "vr": "online"},
    "activities": [
      17, null, "x",
      {"type": "2", "name": "Spotify", "created_at": "1700000000000",
       "timestamps": {"start": "1700000000000", "end": 1.7000002e12}, "assets": "oops",
       "emoji": {"animated": true}, "application_id": "12ab", "state": 3},
      {"type": 1e300, "name": null, "id": 4, "created_at": -1e300,
       "timestamps": {"start": 184467440737095516150}}
    ]})"));
  ASSERT_TRUE(pu) << pu.error;
  const presence::UserPatch& user = pu->presence.user;
  EXPECT_EQ(user.username, std::nullopt);
  EXPECT_EQ(user.avatar, std::nullopt);
  ASSERT_TRUE(user.global_name.has_value());  // explicit null is a fact
  EXPECT_EQ(*user.global_name, std::nullopt);
  EXPECT_EQ(user.bot, std::nullopt);
  EXPECT_EQ(user.public_flags, std::nullopt);
  EXPECT_EQ(user.discriminator, std::nullopt);
  const presence::Presence& p = pu->presence.presence;
  EXPECT_EQ(p.status, Status::kOffline);
  EXPECT_EQ(p.client_status.desktop, Status::kOffline);
  EXPECT_EQ(p.client_status.web, Status::kDnd);
  ASSERT_EQ(p.activities.size(), 2u);
  const presence::Activity& a = p.activities[0];
  EXPECT_EQ(a.type, 2);
  EXPECT_TRUE(a.is_spotify());
  EXPECT_EQ(a.created_at_ms, 1700000000000);
  EXPECT_EQ(a.start_ms, 1700000000000);
  EXPECT_EQ(a.end_ms, 1700000200000);
  EXPECT_EQ(a.assets, std::nullopt);
  EXPECT_EQ(a.emoji, std::nullopt);
  EXPECT_EQ(a.application_id, std::nullopt);
  EXPECT_EQ(a.state, std::nullopt);
  const presence::Activity& b = p.activities[1];
  EXPECT_EQ(b.type, 0);
  EXPECT_EQ(b.name, "");
  EXPECT_EQ(b.id, "");
  EXPECT_EQ(b.created_at_ms, 0);
  EXPECT_EQ(b.start_ms, std::nullopt);
}

TEST(PresenceUpdateTest, BadIdsAreErrors) {
  for (std::string_view text : {
           R"({"status":"online"})",
           R"({"user":{"id":"22884696177455923a"}})",
           R"({"user":{"id":"99999999999999999999"}})",
           R"({"user":{"id":""}})",
           R"({"user":{"id":-5}})",
           R"({"user":"228846961774559232"})",
           R"({"user":{"id":"228846961774559232"},"guild_id":"24420061885458022x"})",
           R"([1,2])",
       }) {
    const auto pu = decode_presence_update(boost::json::parse(text));
    EXPECT_FALSE(pu) << text;
    EXPECT_NE(pu.error.find("PRESENCE_UPDATE"), std::string::npos) << text;
  }
}

// ---- users: flags and server tags ---------------------------------------------

presence::UserPatch user_from(std::string_view text) {
  const auto user = decode_user(boost::json::parse(text).as_object());
  EXPECT_TRUE(user) << text;
  return user.value_or(presence::UserPatch{});
}

TEST(UserDecodeTest, PublicFlagsFallBackToFlagsAndKeepHighBits) {
  EXPECT_EQ(user_from(R"({"id":"1","public_flags":1125899911036992,"flags":1})").public_flags,
            1125899911036992u);
  EXPECT_EQ(user_from(R"({"id":"1","flags":64})").public_flags, 64u);
  EXPECT_EQ(user_from(R"({"id":"1"})").public_flags, std::nullopt);
}

TEST(UserDecodeTest, ServerTagFromPrimaryGuildWhenEnabled) {
  const auto add = decode_fixture<presence::MemberAdd>(
      "guild_member_add.primary_guild_decoration_nameplate.DERIVED.paicord.json",
      decode_member_add);
  ASSERT_TRUE(add.member.user.server_tag.has_value());
  ASSERT_TRUE(add.member.user.server_tag->has_value());
  const presence::ServerTag& tag = **add.member.user.server_tag;
  EXPECT_EQ(tag.guild_id, 1407192325943197706u);
  EXPECT_EQ(tag.tag, "RESN");
  EXPECT_EQ(tag.badge, "681eca471aa735fe864068f9cc978760");
  EXPECT_EQ(add.member.joined_at_ms, 1718747525463);
  EXPECT_EQ(add.member.user.public_flags, 256u);
}

TEST(UserDecodeTest, HiddenClearedOrNullTagsAreAnExplicitNoTag) {
  for (
      std::string_view text : {
          R"({"id":"1","primary_guild":null,"clan":null})",
          R"({"id":"1","primary_guild":{"identity_enabled":false,"tag":"X","identity_guild_id":"2"}})",
          R"({"id":"1","primary_guild":{"identity_enabled":null,"tag":"X","identity_guild_id":"2"}})",
          R"({"id":"1","primary_guild":{"identity_enabled":true,"tag":null,"identity_guild_id":"2"}})",
          R"({"id":"1","primary_guild":{"identity_enabled":true,"tag":"X"}})",
      }) {
    const auto user = user_from(text);
    ASSERT_TRUE(user.server_tag.has_value()) << text;
    EXPECT_FALSE(user.server_tag->has_value()) << text;
  }
  EXPECT_FALSE(user_from(R"({"id":"1"})").server_tag.has_value());
}

TEST(UserDecodeTest, LegacyClanIsUsedWithoutPrimaryGuild) {
  const auto user = user_from(
      R"({"id":"1","clan":{"identity_enabled":true,"tag":"OLD","identity_guild_id":"2","badge":null}})");
  ASSERT_TRUE(user.server_tag && *user.server_tag);
  EXPECT_EQ((*user.server_tag)->tag, "OLD");
  EXPECT_EQ((*user.server_tag)->badge, std::nullopt);
  const auto both = user_from(
      R"({"id":"1","primary_guild":{"identity_enabled":true,"tag":"NEW","identity_guild_id":"3"},
          "clan":{"identity_enabled":true,"tag":"OLD","identity_guild_id":"2"}})");
  EXPECT_EQ((*both.server_tag)->tag, "NEW");
}

// ---- member events and lists ------------------------------------------------------

TEST(MemberEventTest, GuildCreateMembersAndPresences) {
  const auto gc =
      decode_fixture<presence::GuildCreate>("guild_create.discord4j.json", decode_guild_create);
  EXPECT_EQ(gc.guild_id, 135197118292819968u);
  EXPECT_EQ(gc.member_count, 4);
  EXPECT_FALSE(gc.large);
  ASSERT_EQ(gc.members.size(), 4u);
  EXPECT_EQ(gc.members[0].user.id, 134127815531560960u);
  EXPECT_EQ(gc.members[0].user.discriminator, "5520");
  EXPECT_EQ(gc.members[0].joined_at_ms, 1452303904852);
  ASSERT_EQ(gc.presences.size(), 2u);
  EXPECT_EQ(gc.presences[0].presence.status, Status::kDnd);
}

TEST(MemberEventTest, UnavailableGuildCreateCarriesNoMembers) {
  const auto gc =
      decode_guild_create(boost::json::parse(R"({"id":"222222222222222222","unavailable":true})"));
  ASSERT_TRUE(gc);
  EXPECT_TRUE(gc->unavailable);
  EXPECT_TRUE(gc->members.empty());
}

TEST(MemberEventTest, ListEntriesWithoutUsableIdsAreSkipped) {
  const auto chunk = decode_members_chunk(boost::json::parse(R"({
    "guild_id": "166630000000000000", "chunk_index": 1, "chunk_count": 3, "nonce": "n",
    "members": [{"user": {"id": "712800400000000000"}}, {"user": {"id": "abc"}}, {"roles": []}, 7],
    "presences": [{"user": {}, "status": "online"}, {"user": {"id": "712800400000000000"},
                  "status": "idle"}]})"));
  ASSERT_TRUE(chunk) << chunk.error;
  EXPECT_EQ(chunk->chunk_index, 1);
  EXPECT_EQ(chunk->chunk_count, 3);
  EXPECT_EQ(chunk->nonce, "n");
  ASSERT_EQ(chunk->members.size(), 1u);
  ASSERT_EQ(chunk->presences.size(), 1u);
  EXPECT_EQ(chunk->presences[0].presence.status, Status::kIdle);
}

TEST(MemberEventTest, ChunkIndexOutOfRangeIsAnError) {
  EXPECT_FALSE(decode_members_chunk(
      boost::json::parse(R"({"guild_id":"1","chunk_index":3,"chunk_count":3})")));
  EXPECT_FALSE(decode_members_chunk(
      boost::json::parse(R"({"guild_id":"1","chunk_index":0,"chunk_count":0})")));
}

TEST(MemberEventTest, RemoveAndUpdate) {
  const auto remove = decode_fixture<presence::MemberRemove>("guild_member_remove.discord4j.json",
                                                             decode_member_remove);
  EXPECT_EQ(remove.user_id, 123456789012345678u);
  EXPECT_EQ(remove.guild_id, 123456789012345678u);
  const auto update = decode_fixture<presence::MemberUpdate>(
      "guild_member_update.v10.accordjl.json", decode_member_update);
  EXPECT_EQ(update.member.user.global_name, std::optional<std::string>("global_name_2"));
  EXPECT_EQ(update.member.user.avatar,
            std::optional<std::string>("00000000000000000000000000000012"));
  EXPECT_FALSE(decode_member_remove(boost::json::parse(R"({"guild_id":"1","user":{}})")));
  EXPECT_FALSE(decode_member_add(boost::json::parse(R"({"user":{"id":"1"}})")));
}

TEST(UserUpdateTest, DecodesTheBotUser) {
  const auto update = decode_user_update(boost::json::parse(
      R"({"id":"900000000000000018","username":"lantern","avatar":null,"flags":0,"bot":true})"));
  ASSERT_TRUE(update);
  EXPECT_EQ(update->user.username, "lantern");
  EXPECT_FALSE(decode_user_update(boost::json::parse("null")));
}

}  // namespace
}  // namespace lantern::discord
