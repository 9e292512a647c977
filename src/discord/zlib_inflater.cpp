#include "discord/zlib_inflater.h"

#include <zlib.h>

#include <algorithm>

namespace lantern::discord {
namespace {

constexpr std::string_view kFlushMarker{"\x00\x00\xff\xff", 4};
constexpr std::size_t kInitialOutput = 16 * 1024;

}  // namespace

struct ZlibStreamInflater::Stream {
  z_stream z{};
  bool initialised = false;
};

ZlibStreamInflater::ZlibStreamInflater(std::size_t max_payload_bytes)
    : stream_(std::make_unique<Stream>()), max_payload_bytes_(max_payload_bytes) {
  // windowBits 15: zlib-wrapped stream (the 78 9c header arrives once, at the start).
  if (inflateInit2(&stream_->z, 15) == Z_OK) {
    stream_->initialised = true;
  } else {
    broken_ = true;
    error_ = "zlib inflateInit failed";
  }
}

ZlibStreamInflater::~ZlibStreamInflater() {
  if (stream_->initialised) inflateEnd(&stream_->z);
}

ZlibStreamInflater::Result ZlibStreamInflater::fail(std::string message) {
  broken_ = true;
  error_ = std::move(message);
  pending_.clear();
  pending_.shrink_to_fit();
  return Result::kError;
}

ZlibStreamInflater::Result ZlibStreamInflater::feed(std::string_view message, std::string& out) {
  if (broken_) return Result::kError;
  if (pending_.size() + message.size() > max_payload_bytes_) {
    return fail("compressed payload exceeds " + std::to_string(max_payload_bytes_) + " bytes");
  }
  pending_.append(message);
  if (!pending_.ends_with(kFlushMarker)) return Result::kNeedMore;
  Result result = inflate_pending(out);
  pending_.clear();
  return result;
}

// Inflates into `scratch_`, which keeps its size between payloads: growing a
// std::string zero-fills the new bytes, and doing that for the whole buffer on
// every payload cost more than the inflation of a typical event. The payload
// is then copied out once.
ZlibStreamInflater::Result ZlibStreamInflater::inflate_pending(std::string& out) {
  z_stream& z = stream_->z;
  z.next_in = reinterpret_cast<Bytef*>(pending_.data());
  z.avail_in = static_cast<uInt>(pending_.size());
  if (scratch_.empty()) scratch_.resize(std::min(kInitialOutput, max_payload_bytes_));
  std::size_t produced = 0;
  for (;;) {
    if (produced == scratch_.size()) {
      if (scratch_.size() >= max_payload_bytes_) {
        return fail("inflated payload exceeds " + std::to_string(max_payload_bytes_) + " bytes");
      }
      scratch_.resize(std::min(scratch_.size() * 2, max_payload_bytes_));
    }
    z.next_out = reinterpret_cast<Bytef*>(scratch_.data() + produced);
    z.avail_out = static_cast<uInt>(scratch_.size() - produced);
    const int rc = ::inflate(&z, Z_SYNC_FLUSH);
    produced = scratch_.size() - z.avail_out;
    if (rc == Z_STREAM_END) {
      return fail("zlib stream ended; a zlib-stream connection never ends its stream");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return fail(std::string("zlib inflate failed: ") + (z.msg != nullptr ? z.msg : "unknown"));
    }
    // Done when all input is consumed and zlib did not fill the output (so it
    // holds nothing back).
    if (z.avail_in == 0 && z.avail_out != 0) break;
    if (rc == Z_BUF_ERROR && z.avail_out != 0) {
      return fail("zlib inflate made no progress");
    }
  }
  out.assign(scratch_.data(), produced);
  // A rare huge payload (a big GUILD_CREATE) must not pin its buffer for the
  // connection's life.
  if (scratch_.size() > 4 * kInitialOutput) {
    scratch_.resize(kInitialOutput);
    scratch_.shrink_to_fit();
  }
  return Result::kPayload;
}

}  // namespace lantern::discord
