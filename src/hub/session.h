// hub::SessionSink is what the hub talks to: a transport (the WebSocket session
// in http/, fakes in tests) implements it. hub::Session is the hub's record of
// one connected client.
#pragma once

#include <memory>
#include <string_view>
#include <unordered_set>

#include "hub/close_codes.h"
#include "hub/frame.h"
#include "util/snowflake.h"

namespace lantern::hub {

class SessionSink {
 public:
  virtual ~SessionSink() = default;

  // Queues one server frame. Called from any thread (the presence writer for
  // events and ACKs, the transport's own thread for HEARTBEAT_ACK and ERRORs
  // found while parsing). Must not block. Frames handed over from one thread
  // are sent in the order given. When the sink cannot keep up it disconnects
  // itself (4009); after close() every further send is ignored.
  virtual void send(FramePtr frame) = 0;

  // Sends DISCONNECT {"reason": reason} after the frames already queued, then
  // closes the connection with `code`. Any thread; only the first call counts.
  virtual void close(CloseCode code, std::string_view reason) = 0;
};

// The hub's record of one client. Created by Hub::open, handed back to the Hub
// by the transport with every message. The protocol state below is touched on
// the presence writer thread only.
class Session {
 public:
  explicit Session(std::weak_ptr<SessionSink> sink) : sink_(std::move(sink)) {}

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Forward to the sink while it exists. Any thread.
  void send(const FramePtr& frame) const {
    if (auto sink = sink_.lock()) sink->send(frame);
  }
  void close(CloseCode code, std::string_view reason) const {
    if (auto sink = sink_.lock()) sink->close(code, reason);
  }

 private:
  friend class Hub;

  std::weak_ptr<SessionSink> sink_;
  // ---- writer thread only ----
  bool initialized_ = false;
  bool ended_ = false;  // closed by the hub or gone; no longer in the index
  bool all_ = false;
  std::unordered_set<Snowflake> users_;
};

using SessionPtr = std::shared_ptr<Session>;

}  // namespace lantern::hub
