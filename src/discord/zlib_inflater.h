// ZlibStreamInflater: Discord's `compress=zlib-stream` transport decompression.
//
// The server sends one continuous zlib stream per WebSocket connection, cut into
// binary messages. A payload is complete when the bytes received so far end with
// the Z_SYNC_FLUSH marker 00 00 ff ff; a payload may span several messages.
//
// Contract
//  * One instance per connection, created when the connection opens and
//    destroyed with it (a resume opens a new connection, hence a new inflater).
//    Never reset mid-connection: the inflate window carries over from payload to
//    payload.
//  * Not thread-safe; used from the connection's strand only.
//  * Every buffer is bounded: a payload that inflates to more than
//    `max_payload_bytes`, or compressed input that grows beyond it without a
//    flush marker, is an error, after which the instance is unusable (the
//    connection must be dropped).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace lantern::discord {

class ZlibStreamInflater {
 public:
  enum class Result {
    kNeedMore,  // no complete payload yet; keep feeding messages
    kPayload,   // `out` holds one complete inflated payload
    kError,     // corrupt stream or size bound exceeded; see error()
  };

  explicit ZlibStreamInflater(std::size_t max_payload_bytes);
  ~ZlibStreamInflater();

  ZlibStreamInflater(const ZlibStreamInflater&) = delete;
  ZlibStreamInflater& operator=(const ZlibStreamInflater&) = delete;

  // Feeds one WebSocket message. On kPayload, `out` is replaced by the inflated
  // payload (its capacity is reused between calls).
  Result feed(std::string_view message, std::string& out);

  // A sentence describing the last kError.
  const std::string& error() const { return error_; }

 private:
  Result fail(std::string message);
  Result inflate_pending(std::string& out);

  struct Stream;  // z_stream, kept out of the header
  std::unique_ptr<Stream> stream_;
  std::size_t max_payload_bytes_;
  std::string pending_;  // compressed bytes of the payload in progress
  std::string scratch_;  // inflation buffer, reused across payloads
  std::string error_;
  bool broken_ = false;
};

}  // namespace lantern::discord
