// Test doubles for the hub: a recording SessionSink, a map-backed
// UserDirectory, and builders for member snapshots.
#pragma once

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hub/directory.h"
#include "hub/session.h"
#include "presence/store.h"

namespace lantern::hub::testing {

inline constexpr Snowflake kAlice = 100000000000000001;
inline constexpr Snowflake kBob = 100000000000000002;
inline constexpr Snowflake kCarol = 100000000000000003;
inline constexpr Snowflake kUnknown = 100000000000000009;

inline presence::UserViewPtr make_view(Snowflake id, std::string username = "user",
                                       presence::StoragePairs storage = {}) {
  presence::Member member;
  member.user.id = id;
  member.user.username = std::move(username);
  member.joined_at_ms = 1620000000000;
  presence::Presence presence;
  presence.status = presence::Status::kOnline;
  return presence::UserView::make(
      std::move(member), std::move(presence), std::nullopt,
      std::make_shared<const presence::StoragePairs>(std::move(storage)));
}

// Records every frame and the close; thread-safe like a real sink.
class FakeSink final : public SessionSink {
 public:
  void send(FramePtr frame) override {
    std::lock_guard lock(mutex_);
    if (!closed_) frames_.push_back(std::move(frame));
  }
  void close(CloseCode code, std::string_view reason) override {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    code_ = code;
    reason_ = std::string(reason);
  }

  std::vector<FramePtr> frames() const {
    std::lock_guard lock(mutex_);
    return frames_;
  }
  std::vector<boost::json::value> json() const {
    std::vector<boost::json::value> out;
    for (const auto& frame : frames()) out.push_back(boost::json::parse(frame->json()));
    return out;
  }
  // The last frame, parsed; null when none.
  boost::json::value last() const {
    auto all = frames();
    return all.empty() ? boost::json::value() : boost::json::parse(all.back()->json());
  }
  void clear() {
    std::lock_guard lock(mutex_);
    frames_.clear();
  }
  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  std::optional<CloseCode> code() const {
    std::lock_guard lock(mutex_);
    return code_;
  }
  std::string reason() const {
    std::lock_guard lock(mutex_);
    return reason_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<FramePtr> frames_;
  bool closed_ = false;
  std::optional<CloseCode> code_;
  std::string reason_;
};

// A directory over a map; set() / erase() stand in for the store's writer.
class FakeDirectory final : public UserDirectory {
 public:
  presence::UserViewPtr find(Snowflake user_id) const override {
    std::lock_guard lock(mutex_);
    auto it = users_.find(user_id);
    return it == users_.end() ? nullptr : it->second;
  }
  std::vector<presence::UserViewPtr> all() const override {
    std::lock_guard lock(mutex_);
    std::vector<presence::UserViewPtr> out;
    for (const auto& [id, view] : users_) out.push_back(view);
    return out;
  }
  void set(presence::UserViewPtr view) {
    std::lock_guard lock(mutex_);
    users_[view->id()] = std::move(view);
  }
  void erase(Snowflake id) {
    std::lock_guard lock(mutex_);
    users_.erase(id);
  }

 private:
  mutable std::mutex mutex_;
  std::map<Snowflake, presence::UserViewPtr> users_;
};

}  // namespace lantern::hub::testing
