#include "hub/subscriptions.h"

#include <algorithm>

namespace lantern::hub {

void SubscriptionIndex::add(Snowflake user_id, Session* session) {
  by_user_[user_id].push_back(session);
}

void SubscriptionIndex::remove(Snowflake user_id, Session* session) {
  auto it = by_user_.find(user_id);
  if (it == by_user_.end()) return;
  erase(it->second, session);
  if (it->second.empty()) by_user_.erase(it);
}

SubscriptionIndex::Sessions SubscriptionIndex::take(Snowflake user_id) {
  auto node = by_user_.extract(user_id);
  return node.empty() ? Sessions{} : std::move(node.mapped());
}

const SubscriptionIndex::Sessions& SubscriptionIndex::subscribers(Snowflake user_id) const {
  static const Sessions kNone;
  auto it = by_user_.find(user_id);
  return it == by_user_.end() ? kNone : it->second;
}

void SubscriptionIndex::add_all(Session* session) {
  all_.push_back(session);
}

void SubscriptionIndex::remove_all(Session* session) {
  erase(all_, session);
}

// Order within one user's list does not matter (each session gets its own
// queue), so removal swaps with the last element.
void SubscriptionIndex::erase(Sessions& sessions, Session* session) {
  auto it = std::find(sessions.begin(), sessions.end(), session);
  if (it == sessions.end()) return;
  *it = sessions.back();
  sessions.pop_back();
}

}  // namespace lantern::hub
