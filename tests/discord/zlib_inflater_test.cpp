#include "discord/zlib_inflater.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace lantern::discord {
namespace {

// The server side of zlib-stream: one deflate context, Z_SYNC_FLUSH per payload.
class Deflater {
 public:
  Deflater() { EXPECT_EQ(deflateInit(&z_, Z_DEFAULT_COMPRESSION), Z_OK); }
  ~Deflater() { deflateEnd(&z_); }

  std::string payload(const std::string& text) {
    std::string out(deflateBound(&z_, text.size()) + 64, '\0');
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    z_.avail_in = static_cast<uInt>(text.size());
    z_.next_out = reinterpret_cast<Bytef*>(out.data());
    z_.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&z_, Z_SYNC_FLUSH), Z_OK);
    EXPECT_EQ(z_.avail_in, 0u);
    out.resize(out.size() - z_.avail_out);
    return out;
  }

 private:
  z_stream z_{};
};

TEST(ZlibStreamInflater, InflatesConsecutivePayloadsOfOneStream) {
  Deflater deflater;
  ZlibStreamInflater inflater(1 << 20);
  std::string out;
  for (int i = 0; i < 5; ++i) {
    const std::string text = R"({"op":0,"s":)" + std::to_string(i) + R"(,"t":"X","d":{}})";
    const std::string message = deflater.payload(text);
    ASSERT_TRUE(message.ends_with(std::string("\x00\x00\xff\xff", 4)));
    ASSERT_EQ(inflater.feed(message, out), ZlibStreamInflater::Result::kPayload);
    EXPECT_EQ(out, text);
  }
}

TEST(ZlibStreamInflater, BuffersAPayloadSplitAcrossMessages) {
  Deflater deflater;
  ZlibStreamInflater inflater(1 << 20);
  const std::string text(5000, 'a');
  const std::string message = deflater.payload(text);
  std::string out;
  const std::size_t half = message.size() / 2;
  EXPECT_EQ(inflater.feed(message.substr(0, half), out), ZlibStreamInflater::Result::kNeedMore);
  ASSERT_EQ(inflater.feed(message.substr(half), out), ZlibStreamInflater::Result::kPayload);
  EXPECT_EQ(out, text);
}

TEST(ZlibStreamInflater, GrowsOutputForLargePayloads) {
  Deflater deflater;
  ZlibStreamInflater inflater(64 << 20);
  std::string text;
  for (int i = 0; i < 200000; ++i) text += std::to_string(i * 7919 % 100003) + ",";
  std::string out;
  ASSERT_EQ(inflater.feed(deflater.payload(text), out), ZlibStreamInflater::Result::kPayload);
  EXPECT_EQ(out, text);
}

TEST(ZlibStreamInflater, RejectsPayloadsAboveTheBound) {
  Deflater deflater;
  ZlibStreamInflater inflater(100 * 1024);
  std::string out;
  EXPECT_EQ(inflater.feed(deflater.payload(std::string(200 * 1024, 'x')), out),
            ZlibStreamInflater::Result::kError);
  EXPECT_NE(inflater.error().find("exceeds"), std::string::npos);
  // Unusable afterwards: the stream position is lost.
  EXPECT_EQ(inflater.feed(deflater.payload("{}"), out), ZlibStreamInflater::Result::kError);
}

TEST(ZlibStreamInflater, RejectsCorruptInput) {
  ZlibStreamInflater inflater(1 << 20);
  std::string out;
  EXPECT_EQ(inflater.feed(std::string("garbage!\x00\x00\xff\xff", 12), out),
            ZlibStreamInflater::Result::kError);
  EXPECT_FALSE(inflater.error().empty());
}

TEST(ZlibStreamInflater, ANewConnectionNeedsANewInflater) {
  Deflater first;
  Deflater second;
  ZlibStreamInflater inflater(1 << 20);
  std::string out;
  ASSERT_EQ(inflater.feed(first.payload("{\"a\":1}"), out), ZlibStreamInflater::Result::kPayload);
  // A second stream starts with its own zlib header, which is invalid mid-stream.
  EXPECT_EQ(inflater.feed(second.payload("{\"b\":2}"), out), ZlibStreamInflater::Result::kError);
}

}  // namespace
}  // namespace lantern::discord
