// SubscriptionIndex: user id -> sessions subscribed to that user, plus the set
// of sessions subscribed to "All".
//
// Threading: owned by the presence writer thread. Every change (INIT,
// SUBSCRIBE, UNSUBSCRIBE, a session ending, a user leaving) and every fan-out
// run on that one thread (see hub.h for why), so the index needs no lock at
// all and a fan-out to any number of sessions never waits for, or blocks,
// another thread. Finding a user's sessions is one hash lookup; no fan-out
// scans all sessions.
//
// Sessions are held by raw pointer: the Hub removes a session from the index
// (on the writer thread) before releasing it.
#pragma once

#include <atomic>
#include <cstddef>
#include <unordered_map>
#include <vector>

#include "util/snowflake.h"

namespace lantern::hub {

class Session;

class SubscriptionIndex {
 public:
  using Sessions = std::vector<Session*>;

  void add(Snowflake user_id, Session* session);
  // No effect when the session is not subscribed to the user.
  void remove(Snowflake user_id, Session* session);
  // Removes and returns every session subscribed to the user.
  Sessions take(Snowflake user_id);
  // The sessions subscribed to the user (not the All sessions); empty when none.
  const Sessions& subscribers(Snowflake user_id) const;

  void add_all(Session* session);
  void remove_all(Session* session);
  const Sessions& all_subscribers() const { return all_; }

  std::size_t user_count() const { return by_user_.size(); }

  // (session, user) pairs plus All subscriptions. Unlike the rest of the index
  // this may be read from any thread (metrics); the value is a moment's count.
  std::size_t subscription_count() const { return count_.load(std::memory_order_relaxed); }

 private:
  // True when `session` was in `sessions`.
  static bool erase(Sessions& sessions, Session* session);

  std::unordered_map<Snowflake, Sessions> by_user_;
  Sessions all_;
  std::atomic<std::size_t> count_{0};
};

}  // namespace lantern::hub
