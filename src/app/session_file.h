// The Discord gateway session saved across a graceful restart.
//
// On SIGTERM Lantern closes the gateway with a code that keeps the session
// alive on Discord's side and writes (session id, last seq, resume URL) here;
// the next start resumes that session instead of identifying again, so a
// deploy does not cost an IDENTIFY, a full member sync or missed events.
// The file sits beside the database, is readable by its owner only (it can
// resume the bot's session) and is removed once read, so a session is never
// resumed twice.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "discord/gateway_client.h"

namespace lantern::app {

// "<database path>.gateway-session"
std::string session_file_path(const std::string& database_path);

// Writes the session; false (with a log line) when the file cannot be written.
bool save_session(const std::string& path, const discord::ResumableSession& session);

// Reads and deletes the saved session. Returns nullopt when there is none, it
// cannot be parsed, or it is older than `max_age` (Discord keeps a
// disconnected session alive only for a short while).
std::optional<discord::ResumableSession> take_session(const std::string& path,
                                                      std::chrono::seconds max_age);

}  // namespace lantern::app
