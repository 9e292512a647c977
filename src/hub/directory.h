// UserDirectory: the read side of the presence store as the hub needs it. The
// hub reads through this interface so that its tests can use a plain map.
#pragma once

#include <vector>

#include "presence/store.h"

namespace lantern::hub {

class UserDirectory {
 public:
  virtual ~UserDirectory() = default;
  // The member's current snapshot, or null when not monitored.
  virtual presence::UserViewPtr find(Snowflake user_id) const = 0;
  // Every monitored member, ordered by id.
  virtual std::vector<presence::UserViewPtr> all() const = 0;
};

// The production directory: the PresenceStore itself. `store` must outlive it.
class StoreDirectory final : public UserDirectory {
 public:
  explicit StoreDirectory(const presence::PresenceStore& store) : store_(store) {}
  presence::UserViewPtr find(Snowflake user_id) const override { return store_.find(user_id); }
  std::vector<presence::UserViewPtr> all() const override { return store_.all(); }

 private:
  const presence::PresenceStore& store_;
};

}  // namespace lantern::hub
