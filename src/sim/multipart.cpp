// multipart/form-data parsing for `payload_json` + `files[n]` request bodies (RFC 7578).
#include <algorithm>
#include <cctype>

#include "sim/sim_internal.h"

namespace lantern::sim {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Value of `key=value` or `key="value"` in a header value such as
// `form-data; name="files[0]"; filename="card.png"` (quoted values may hold ';').
std::optional<std::string> header_param(std::string_view header, std::string_view key) {
  std::string name;
  std::string value;
  bool in_value = false;
  bool in_quotes = false;
  std::optional<std::string> found;
  auto finish_item = [&] {
    if (in_value && !found && lower(trim(name)) == lower(key)) found = std::string(trim(value));
    name.clear();
    value.clear();
    in_value = false;
  };
  for (char c : header) {
    if (in_quotes) {
      if (c == '"') {
        in_quotes = false;
      } else {
        value += c;
      }
    } else if (c == ';') {
      finish_item();
    } else if (!in_value && c == '=') {
      in_value = true;
    } else if (in_value) {
      if (c == '"') {
        in_quotes = true;
      } else {
        value += c;
      }
    } else {
      name += c;
    }
  }
  finish_item();
  return found;
}

}  // namespace

bool parse_multipart(std::string_view content_type, std::string_view body,
                     std::vector<MultipartPart>& parts) {
  if (!lower(content_type).starts_with("multipart/form-data")) return false;
  auto boundary = header_param(content_type, "boundary");
  if (!boundary || boundary->empty()) return false;
  const std::string delim = "--" + *boundary;
  std::size_t pos = body.find(delim);
  if (pos == std::string_view::npos) return false;
  pos += delim.size();
  for (;;) {
    if (body.substr(pos, 2) == "--") return true;  // closing delimiter
    if (body.substr(pos, 2) != "\r\n") return false;
    pos += 2;
    const std::size_t header_end = body.find("\r\n\r\n", pos);
    if (header_end == std::string_view::npos) return false;
    const std::size_t data_start = header_end + 4;
    const std::size_t next = body.find("\r\n" + delim, data_start);
    if (next == std::string_view::npos) return false;

    MultipartPart part;
    std::string_view headers = body.substr(pos, header_end - pos);
    while (!headers.empty()) {
      auto eol = headers.find("\r\n");
      std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view{} : headers.substr(eol + 2);
      auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string name = lower(trim(line.substr(0, colon)));
      const std::string_view value = trim(line.substr(colon + 1));
      if (name == "content-disposition") {
        part.name = header_param(value, "name").value_or("");
        part.filename = header_param(value, "filename");
      } else if (name == "content-type") {
        part.content_type = std::string(value);
      }
    }
    part.data = std::string(body.substr(data_start, next - data_start));
    parts.push_back(std::move(part));
    pos = next + 2 + delim.size();
  }
}

}  // namespace lantern::sim
