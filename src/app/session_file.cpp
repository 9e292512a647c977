#include "app/session_file.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "util/time.h"

namespace lantern::app {

namespace json = boost::json;

std::string session_file_path(const std::string& database_path) {
  return database_path + ".gateway-session";
}

bool save_session(const std::string& path, const discord::ResumableSession& session) {
  const json::object document = {{"session_id", session.session_id},
                                 {"seq", session.seq},
                                 {"resume_url", session.resume_url},
                                 {"saved_at_ms", unix_now_ms()}};
  const std::string text = json::serialize(document);
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    spdlog::warn("lantern: cannot save the gateway session to {}", temp);
    return false;
  }
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written || std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    spdlog::warn("lantern: cannot save the gateway session to {}", path);
    return false;
  }
  return true;
}

std::optional<discord::ResumableSession> take_session(const std::string& path,
                                                      std::chrono::seconds max_age) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream content;
  content << in.rdbuf();
  in.close();
  std::remove(path.c_str());

  boost::system::error_code ec;
  const json::value document = json::parse(content.str(), ec);
  const json::object* object = ec ? nullptr : document.if_object();
  if (!object) return std::nullopt;
  const auto* id = object->if_contains("session_id");
  const auto* seq = object->if_contains("seq");
  const auto* url = object->if_contains("resume_url");
  const auto* saved = object->if_contains("saved_at_ms");
  if (!id || !id->is_string() || !seq || !seq->is_int64() || !url || !url->is_string() || !saved ||
      !saved->is_int64()) {
    return std::nullopt;
  }
  const auto age = std::chrono::milliseconds(unix_now_ms() - saved->as_int64());
  if (age > max_age || age.count() < 0) {
    spdlog::info("lantern: saved gateway session is too old to resume; identifying");
    return std::nullopt;
  }
  return discord::ResumableSession{std::string(id->as_string()), seq->as_int64(),
                                   std::string(url->as_string())};
}

}  // namespace lantern::app
