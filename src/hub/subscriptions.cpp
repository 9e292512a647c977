#include "hub/subscriptions.h"

#include <algorithm>

namespace lantern::hub {

void SubscriptionIndex::add(Snowflake user_id, Session* session) {
  by_user_[user_id].push_back(session);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void SubscriptionIndex::remove(Snowflake user_id, Session* session) {
  auto it = by_user_.find(user_id);
  if (it == by_user_.end()) return;
  if (erase(it->second, session)) count_.fetch_sub(1, std::memory_order_relaxed);
  if (it->second.empty()) by_user_.erase(it);
}

SubscriptionIndex::Sessions SubscriptionIndex::take(Snowflake user_id) {
  auto node = by_user_.extract(user_id);
  if (node.empty()) return {};
  count_.fetch_sub(node.mapped().size(), std::memory_order_relaxed);
  return std::move(node.mapped());
}

const SubscriptionIndex::Sessions& SubscriptionIndex::subscribers(Snowflake user_id) const {
  static const Sessions kNone;
  auto it = by_user_.find(user_id);
  return it == by_user_.end() ? kNone : it->second;
}

void SubscriptionIndex::add_all(Session* session) {
  all_.push_back(session);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void SubscriptionIndex::remove_all(Session* session) {
  if (erase(all_, session)) count_.fetch_sub(1, std::memory_order_relaxed);
}

// Order within one user's list does not matter (each session gets its own
// queue), so removal swaps with the last element.
bool SubscriptionIndex::erase(Sessions& sessions, Session* session) {
  auto it = std::find(sessions.begin(), sessions.end(), session);
  if (it == sessions.end()) return false;
  *it = sessions.back();
  sessions.pop_back();
  return true;
}

}  // namespace lantern::hub
