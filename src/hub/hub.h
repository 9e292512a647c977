// Hub: the /socket protocol (API.md section 3) without the transport: sessions,
// their subscriptions, and the fan-out of presence changes to them.
//
// Threading and ordering
//  * The hub is given the presence writer's executor as `post`: a function that
//    runs work, in order, on the thread that applies changes to the store and
//    calls on_changes(). INIT, SUBSCRIBE, UNSUBSCRIBE, session end and every
//    fan-out run there. Because INIT/SUBSCRIBE read the store, register the
//    session in the index and queue the ACK on the same thread that delivers
//    events, an ACK carries the store state after every event handled before it
//    and before every event handled after it: nothing older than the ACK's data
//    follows it, and per user a session sees events in the store's (Discord's)
//    order. The index therefore needs no lock (subscriptions.h).
//  * Transports call open(), on_text(), init_deadline_passed() and end() from
//    their own threads (any number of them). Parsing, HEARTBEAT_ACK and
//    protocol violations are handled right there; only subscription work is
//    posted to the writer.
//  * Each event is encoded once into a shared Frame and the same bytes go to
//    every receiving session (SessionSink::send only queues a pointer).
//
// Wiring (app/): the store takes its ChangeListener at construction and the
// hub reads the store, so give the store a listener that forwards to the hub
// once it exists (tests/hub/store_integration_test.cpp shows it), and give the
// hub StoreDirectory(store) and a `post` onto the presence writer strand.
//
// Lifetime: `directory` must outlive the hub; the hub must outlive every work
// item it posted (stop the writer executor, or drain it, before destroying it).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <unordered_set>

#include "hub/directory.h"
#include "hub/options.h"
#include "hub/protocol.h"
#include "hub/session.h"
#include "hub/subscriptions.h"
#include "presence/store.h"

namespace lantern::hub {

class Hub final : public presence::ChangeListener {
 public:
  using Post = std::function<void(std::function<void()>)>;
  using Clock = std::function<std::int64_t()>;  // Unix milliseconds

  Hub(const UserDirectory& directory, Options options, Post post_to_writer, Clock clock);
  ~Hub() override;

  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  const Options& options() const { return options_; }

  // ---- transport side (any thread) ----------------------------------------

  // A client connected: records it and sends HELLO through `sink`.
  SessionPtr open(std::weak_ptr<SessionSink> sink);

  enum class Inbound : std::uint8_t {
    kHeartbeat,  // answered with HEARTBEAT_ACK; the transport restarts its heartbeat timer
    kAccepted,   // INIT / SUBSCRIBE / UNSUBSCRIBE, handled on the writer
    kRejected,   // protocol violation: the sink was told to close
  };
  // One complete text message from the client.
  Inbound on_text(const SessionPtr& session, std::string_view text);

  // The INIT timeout expired: disconnects (4004) unless INIT has succeeded.
  void init_deadline_passed(const SessionPtr& session);

  // The connection is gone (closed by either side or failed). Removes the
  // session from the index; further calls about it are ignored.
  void end(const SessionPtr& session);

  // Disconnects every open session with 1001 "Server is restarting." (issue 7).
  void shutdown();

  // Sessions opened and not yet ended.
  std::size_t session_count() const;
  // Subscriptions held by open sessions (any thread; for metrics).
  std::size_t subscription_count() const { return index_.subscription_count(); }

  // ---- writer side ----------------------------------------------------------

  void on_changes(std::span<const presence::Change> changes) override;

 private:
  void handle(const SessionPtr& session, const ClientMessage& message);
  void handle_init(Session& session, const Subscription& request);
  void handle_subscribe(Session& session, const Subscription& request);
  void handle_unsubscribe(Session& session, const Subscription& request);
  // Resolves the requested users, or sends ERROR naming the unknown ids.
  bool resolve(Session& session, const Subscription& request,
               std::vector<presence::UserViewPtr>& views);
  bool within_id_limit(Session& session, std::size_t added);
  void subscribe(Session& session, const Subscription& request,
                 const std::vector<presence::UserViewPtr>& views);
  void remove_from_index(Session& session);
  void close(Session& session, CloseCode code, std::string_view reason);

  void publish(const presence::Change& change, std::int64_t now_ms);
  // Sends the frame `encode` makes to the sessions subscribed to `user_id` and
  // to All; encodes nothing when there are none.
  void send_to_user_and_all(Snowflake user_id, const std::function<FramePtr()>& encode);
  void user_left(Snowflake user_id);

  const UserDirectory& directory_;
  const Options options_;
  const Post post_;
  const Clock clock_;
  const FramePtr hello_;
  const FramePtr heartbeat_ack_;

  SubscriptionIndex index_;  // writer thread only

  mutable std::mutex sessions_mutex_;
  std::unordered_set<SessionPtr> sessions_;  // open sessions, for shutdown() and counting
};

}  // namespace lantern::hub
