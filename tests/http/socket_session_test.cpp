// /socket end to end over real loopback sockets: the protocol, zlib_json,
// permessage-deflate, limits, hostile frames, slow and vanishing clients.
#include "http/socket_session.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "socket_harness.h"

namespace lantern::http {
namespace {

using hub::testing::kAlice;
using hub::testing::kBob;
using hub::testing::make_view;
using testing::Received;
using testing::SocketHarness;
using testing::TestClient;
using testing::wait_until;
namespace json = boost::json;
using Kind = presence::Change::Kind;

constexpr const char* kInitAlice = R"({"op":2,"d":{"user_id":"100000000000000001"}})";
constexpr const char* kHeartbeat = R"({"op":4})";

std::string disconnect(std::string_view reason) {
  return R"({"t":"DISCONNECT","op":9,"d":{"reason":")" + std::string(reason) + "\"}}";
}

class SocketSessionTest : public ::testing::Test {
 protected:
  void start(hub::Options options = {}) {
    harness_ = std::make_unique<SocketHarness>(options);
    harness_->directory().set(make_view(kAlice, "alice"));
    harness_->directory().set(make_view(kBob, "bob"));
  }

  // A client past HELLO and INIT_ACK for Alice.
  std::unique_ptr<TestClient> initialized_client(std::optional<int> receive_buffer = {}) {
    auto client = std::make_unique<TestClient>(port(), "/socket", false, receive_buffer);
    EXPECT_EQ(json::parse(client->read_text()).at("op"), 1);
    client->write(kInitAlice);
    EXPECT_EQ(json::parse(client->read_text()).at("op"), 3);
    return client;
  }

  std::uint16_t port() const { return harness_->port(); }
  SocketStats& stats() { return harness_->services().stats(); }

  // Expects DISCONNECT `reason` as the last message, then the close `code`.
  static void expect_disconnect(TestClient& client, std::string_view reason, std::uint16_t code) {
    std::vector<std::string> rest = client.read_until_closed();
    ASSERT_FALSE(rest.empty()) << client.error().message();
    EXPECT_EQ(rest.back(), disconnect(reason));
    EXPECT_EQ(client.close_code(), code) << client.error().message();
  }

  std::unique_ptr<SocketHarness> harness_;
};

TEST_F(SocketSessionTest, HelloInitAckAndPresenceUpdate) {
  start();
  TestClient client(port());
  EXPECT_EQ(client.read_text(), R"({"t":"HELLO","op":1,"d":{"heartbeat_interval":30000}})");
  client.write(kInitAlice);
  json::value ack = json::parse(client.read_text());
  EXPECT_EQ(ack.at("t"), "INIT_ACK");
  EXPECT_EQ(ack.at("d").at("metadata").at("id"), "100000000000000001");

  harness_->change(Kind::kPresence, make_view(kAlice, "alice2"));
  json::value update = json::parse(client.read_text());
  EXPECT_EQ(update.at("t"), "PRESENCE_UPDATE");
  EXPECT_EQ(update.at("d").at("metadata").at("username"), "alice2");

  client.write(kHeartbeat);
  EXPECT_EQ(client.read_text(), R"({"t":"HEARTBEAT_ACK","op":5})");
}

std::string inflate(const std::string& data) {
  std::string out(1 << 16, '\0');
  uLongf size = out.size();
  if (uncompress(reinterpret_cast<Bytef*>(out.data()), &size,
                 reinterpret_cast<const Bytef*>(data.data()), data.size()) != Z_OK) {
    return "<not a zlib stream>";
  }
  out.resize(size);
  return out;
}

TEST_F(SocketSessionTest, ZlibJsonSendsEveryFrameAsACompressedBinaryFrame) {
  start();
  TestClient client(port(), "/socket?compression=zlib_json");
  auto hello = client.read();
  ASSERT_TRUE(hello);
  EXPECT_TRUE(hello->binary);
  EXPECT_EQ(inflate(hello->data), R"({"t":"HELLO","op":1,"d":{"heartbeat_interval":30000}})");
  client.write(kInitAlice);
  auto ack = client.read();
  ASSERT_TRUE(ack);
  EXPECT_EQ(json::parse(inflate(ack->data)).at("op"), 3);
}

TEST_F(SocketSessionTest, PermessageDeflateIsNegotiatedWhenOffered) {
  start();
  TestClient client(port(), "/socket", /*deflate=*/true);
  EXPECT_EQ(json::parse(client.read_text()).at("op"), 1);
  client.write(kInitAlice);
  json::value ack = json::parse(client.read_text());
  EXPECT_EQ(ack.at("d").at("metadata").at("username"), "alice");
}

TEST_F(SocketSessionTest, FrameOverMaxPayloadGets1009) {
  start();
  TestClient client(port());
  client.read_text();
  client.write(std::string(1024 * 1024, 'x'));
  expect_disconnect(client, "Frame is too big.", 1009);
}

TEST_F(SocketSessionTest, BinaryFrameGets4001) {
  start();
  TestClient client(port());
  client.read_text();
  client.write(R"({"op":4})", /*binary=*/true);
  expect_disconnect(client, "Binary frames are not accepted; send JSON text.", 4001);
}

TEST_F(SocketSessionTest, InvalidUtf8IsRefusedByTheProtocol) {
  start();
  TestClient client(port());
  client.read_text();
  client.write("{\"op\":4,\"x\":\"\xff\xfe\"}");
  client.read_until_closed();
  EXPECT_EQ(client.close_code(), 1007);
}

TEST_F(SocketSessionTest, InvalidJsonGets4001) {
  start();
  TestClient client(port());
  client.read_text();
  client.write("{nope");
  expect_disconnect(client, "Invalid JSON.", 4001);
}

TEST_F(SocketSessionTest, InboundRateLimitGets4008) {
  hub::Options options;
  options.inbound_rate = 5;
  start(options);
  TestClient client(port());
  client.read_text();
  for (int i = 0; i < 6; ++i) client.write(kHeartbeat);
  std::vector<std::string> messages = client.read_until_closed();
  ASSERT_EQ(messages.size(), 6u);
  EXPECT_EQ(messages[4], R"({"t":"HEARTBEAT_ACK","op":5})");
  EXPECT_EQ(messages[5], disconnect("You are sending messages too fast."));
  EXPECT_EQ(client.close_code(), 4008);
}

TEST_F(SocketSessionTest, SessionsPerAddressAreLimited) {
  hub::Options options;
  options.max_sessions_per_address = 1;
  start(options);
  TestClient first(port());
  first.read_text();
  TestClient second(port());
  expect_disconnect(second, "Too many sessions from your address.", 4009);
  first.write(kHeartbeat);
  EXPECT_EQ(first.read_text(), R"({"t":"HEARTBEAT_ACK","op":5})") << "the first one is unharmed";
}

TEST_F(SocketSessionTest, NoInitInTimeGets4004) {
  hub::Options options;
  options.init_timeout_ms = 50;
  start(options);
  TestClient client(port());
  client.read_text();
  expect_disconnect(client, "Connection timed out.", 4004);
}

TEST_F(SocketSessionTest, SilentClientIsReapedByTheHeartbeatTimeout) {
  hub::Options options;
  options.heartbeat_interval_ms = 100;
  start(options);
  auto client = initialized_client();
  expect_disconnect(*client, "Connection timed out.", 4004);
  EXPECT_TRUE(wait_until([&] { return harness_->hub().session_count() == 0; }));
}

TEST_F(SocketSessionTest, VanishingClientIsReaped) {
  start();
  auto client = initialized_client();
  ASSERT_EQ(harness_->hub().session_count(), 1u);
  client->vanish();
  EXPECT_TRUE(wait_until([&] { return stats().open == 0; }));
  EXPECT_TRUE(wait_until([&] { return harness_->hub().session_count() == 0; }));
  EXPECT_EQ(harness_->services().addresses().count("127.0.0.1"), 0u);
}

TEST_F(SocketSessionTest, ShutdownDisconnectsWith1001) {
  start();
  auto client = initialized_client();
  harness_->services().disconnect_all();
  expect_disconnect(*client, "Server is restarting.", 1001);
}

TEST_F(SocketSessionTest, SlowReaderIsCutOffWithBoundedBacklog) {
  hub::Options options;
  options.max_backlog_frames = 32;
  options.max_backlog_bytes = 64 * 1024;
  options.close_grace_ms = 60000;  // the client reads again only after the cut-off
  start(options);
  auto client = initialized_client(/*receive_buffer=*/4096);

  // The client stops reading; events pile up in the kernel, then in the outbox.
  const std::string padding(2000, 'p');
  int sent = 0;
  while (stats().backlog_cutoffs == 0 && sent < 100000) {
    harness_->change(Kind::kPresence, make_view(kAlice, "v" + std::to_string(++sent) + padding));
  }
  ASSERT_EQ(stats().backlog_cutoffs, 1u) << "after " << sent << " events";
  EXPECT_LE(stats().peak_backlog_frames, 32u);
  EXPECT_LE(stats().peak_backlog_bytes, 64u * 1024);

  std::vector<std::string> rest = client->read_until_closed();
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.back(), disconnect("You are not reading your messages fast enough."));
  EXPECT_EQ(client->close_code(), 4009);
  EXPECT_LT(rest.size(), static_cast<std::size_t>(sent) + 1) << "what did not fit was dropped";
}

}  // namespace
}  // namespace lantern::http
