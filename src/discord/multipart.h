// multipart/form-data bodies for Discord uploads: a `payload_json` part with the
// JSON body, then one `files[n]` part per file (discord-protocol.md 6.4).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lantern::discord {

struct RestFile {
  std::string filename;      // shown in Discord; referenced as attachment://<filename>
  std::string content_type;  // e.g. "image/png"; empty = application/octet-stream
  std::string data;          // raw bytes
};

// The body; part n of `files` is named "files[n]". `boundary` must not occur in
// any of the contents (callers use a random one).
std::string build_multipart_body(std::string_view payload_json, const std::vector<RestFile>& files,
                                 std::string_view boundary);

}  // namespace lantern::discord
