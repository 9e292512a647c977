// Service: one running Lantern server — the gateway connection, the presence
// store, the socket hub, storage, the bot and the HTTP server, wired together.
//
// Threads: one io_context run by `server.threads` threads (default: one per
// core). The gateway client, the presence store's writer side and the hub's
// subscription work share one strand ("the writer"), which is what makes the
// store single-writer and socket delivery ordered (see presence/store.h and
// hub/hub.h). HTTP and socket connections each have their own strand. Storage
// has its own thread (storage/service.h).
//
// Lifecycle: start() binds the port and connects to Discord; wait() blocks
// until SIGINT/SIGTERM, a fatal gateway error or stop(), then shuts down
// gracefully and returns the process exit status.
#pragma once

#include <cstdint>
#include <memory>

#include "app/config.h"
#include "presence/store.h"

namespace lantern::app {

class Service {
 public:
  explicit Service(Config config);
  ~Service();

  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Throws std::system_error when the port cannot be bound and std::runtime_error
  // for other start-up failures (database, TLS).
  void start();

  // Blocks until a signal, stop() or a fatal gateway error; shuts down and
  // returns the exit status (0 after a signal or stop(), 1 after a fatal error).
  int wait();

  // Asks wait() to return (thread-safe).
  void stop();

  std::uint16_t port() const;
  const presence::PresenceStore& store() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Raises the soft open-files limit to the hard limit and returns the new soft
// limit (each socket is a descriptor; the hard limit is the real ceiling).
std::uint64_t raise_open_file_limit();

}  // namespace lantern::app
