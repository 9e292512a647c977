// The segments of a request path, as the router matches them and the metrics
// label them: "/api//v1/users/" -> "api", "v1", "users" (empty segments, i.e.
// repeated and trailing slashes, are skipped). Pure; any thread.
#pragma once

#include <algorithm>
#include <string_view>

namespace lantern::http {

// Calls `visit(segment)` for each segment in order until it returns false.
// Returns false when a visit stopped the walk.
template <typename Visit>
bool for_each_segment(std::string_view path, Visit&& visit) {
  std::size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    const std::size_t end = std::min(path.find('/', pos), path.size());
    if (!visit(path.substr(pos, end - pos))) return false;
    pos = end;
  }
  return true;
}

}  // namespace lantern::http
