// Frame: one complete server frame, encoded once and shared by every session
// that sends it (ARCHITECTURE.md: "a socket frame is encoded once per event").
//
// The JSON text is fixed at construction. The zlib_json form (API.md 3, rule 9:
// one complete zlib stream per frame) is computed on first request, once, by
// whichever thread asks first; later callers on any thread get the same bytes.
#pragma once

#include <memory>
#include <mutex>
#include <string>

namespace lantern::hub {

class Frame {
 public:
  explicit Frame(std::string json) : json_(std::move(json)) {}

  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;

  const std::string& json() const { return json_; }
  // The JSON compressed as one zlib stream. Thread-safe; compresses at most once.
  const std::string& zlib() const;

 private:
  std::string json_;
  mutable std::once_flag zlib_once_;
  mutable std::string zlib_;
};

using FramePtr = std::shared_ptr<const Frame>;

inline FramePtr make_frame(std::string json) {
  return std::make_shared<const Frame>(std::move(json));
}

// zlib-compresses `data` as one complete stream (compress2 format).
std::string zlib_compress(const std::string& data);

}  // namespace lantern::hub
