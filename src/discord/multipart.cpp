#include "discord/multipart.h"

namespace lantern::discord {
namespace {

// Quotes and line breaks cannot appear in a Content-Disposition filename.
std::string safe_filename(std::string_view name) {
  std::string out;
  for (char c : name) out.push_back(c == '"' || c == '\r' || c == '\n' || c == '\\' ? '_' : c);
  return out.empty() ? "file" : out;
}

}  // namespace

std::string build_multipart_body(std::string_view payload_json, const std::vector<RestFile>& files,
                                 std::string_view boundary) {
  std::string body;
  const std::string delimiter = "--" + std::string(boundary);
  body += delimiter + "\r\n";
  body += "Content-Disposition: form-data; name=\"payload_json\"\r\n";
  body += "Content-Type: application/json\r\n\r\n";
  body += payload_json;
  body += "\r\n";
  for (std::size_t i = 0; i < files.size(); ++i) {
    const RestFile& file = files[i];
    body += delimiter + "\r\n";
    body += "Content-Disposition: form-data; name=\"files[" + std::to_string(i) +
            "]\"; filename=\"" + safe_filename(file.filename) + "\"\r\n";
    body +=
        "Content-Type: " +
        (file.content_type.empty() ? std::string("application/octet-stream") : file.content_type) +
        "\r\n\r\n";
    body += file.data;
    body += "\r\n";
  }
  body += delimiter + "--\r\n";
  return body;
}

}  // namespace lantern::discord
