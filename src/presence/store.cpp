#include "presence/store.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "util/time.h"

namespace lantern::presence {

// ---- UserView --------------------------------------------------------------

const StoragePairs& UserView::storage() const {
  static const StoragePairs kEmpty;  // immutable, shared by every view without pairs
  return storage_ ? *storage_ : kEmpty;
}

UserView::~UserView() {
  delete rendered_.load(std::memory_order_acquire);
}

RenderedUser UserView::render() const {
  return render_user(member_, presence_, last_seen_ms_, storage_.get());
}

const RenderedUser& UserView::rendering() const {
  if (const RenderedUser* kept = rendered_.load(std::memory_order_acquire)) return *kept;
  auto fresh = std::make_unique<const RenderedUser>(render());
  const RenderedUser* expected = nullptr;
  if (rendered_.compare_exchange_strong(expected, fresh.get(), std::memory_order_acq_rel,
                                        std::memory_order_acquire)) {
    return *fresh.release();
  }
  return *expected;  // another reader published first; ours is dropped
}

void UserView::append_json(std::string& out, std::int64_t now_ms) const {
  rendering().append_to(out, now_ms);
}

void UserView::append_json_transient(std::string& out, std::int64_t now_ms) const {
  if (const RenderedUser* kept = rendered_.load(std::memory_order_acquire)) {
    kept->append_to(out, now_ms);
    return;
  }
  render().append_to(out, now_ms);
}

std::string UserView::json(std::int64_t now_ms) const {
  const RenderedUser& rendered = rendering();
  std::string out;
  out.reserve(rendered.size_bytes() + 16);
  rendered.append_to(out, now_ms);
  return out;
}

std::shared_ptr<const UserView> UserView::make(Member member, Presence presence,
                                               std::optional<std::int64_t> last_seen_ms,
                                               StoragePairsPtr storage) {
  // One allocation for the view and its control block (the constructor is
  // private; a local class shares this function's access).
  struct Constructible : UserView {};
  std::shared_ptr<UserView> view = std::make_shared<Constructible>();
  view->member_ = std::move(member);
  view->presence_ = std::move(presence);
  view->last_seen_ms_ = last_seen_ms;
  view->storage_ = std::move(storage);
  return view;
}

// ---- PresenceStore::Impl -----------------------------------------------------

namespace {

// Only "online / idle / dnd" carry platforms and activities; an offline member
// renders with none, so they are dropped here and equal data compares equal.
Presence normalized(const Presence& presence) {
  if (presence.status == Status::kOffline) return Presence{};
  return presence;
}
Presence normalized(Presence& presence) {  // the event is ours to take from
  if (presence.status == Status::kOffline) return Presence{};
  return std::move(presence);
}

// Whether `patch.apply_to(user)` would change `user`, without copying it.
template <typename T>
bool differs(const T& field, const std::optional<T>& patch) {
  return patch && !(field == *patch);
}
bool patch_changes(const UserPatch& patch, const User& user) {
  return user.id != patch.id || differs(user.username, patch.username) ||
         differs(user.discriminator, patch.discriminator) ||
         differs(user.global_name, patch.global_name) || differs(user.avatar, patch.avatar) ||
         differs(user.bot, patch.bot) || differs(user.public_flags, patch.public_flags) ||
         differs(user.server_tag, patch.server_tag);
}

// normalized(incoming) == current, without copying `incoming`.
bool same_presence(const Presence& incoming, const Presence& current) {
  if (incoming.status == Status::kOffline) return current == Presence{};
  return incoming == current;
}

// Member events carry the full user: it replaces the cached one (protocol 2.3).
User full_user(const UserPatch& patch) {
  User user;
  patch.apply_to(user);
  return user;
}
template <typename T>
void take(T& field, std::optional<T>& patch) {
  if (patch) field = std::move(*patch);
}
User full_user(UserPatch& patch) {  // moves the strings out of `patch`
  User user;
  user.id = patch.id;
  take(user.username, patch.username);
  take(user.discriminator, patch.discriminator);
  take(user.global_name, patch.global_name);
  take(user.avatar, patch.avatar);
  take(user.bot, patch.bot);
  take(user.public_flags, patch.public_flags);
  take(user.server_tag, patch.server_tag);
  return user;
}

}  // namespace

class PresenceStore::Impl {
 public:
  Impl(Snowflake base_guild_id, ChangeListener* listener, LastSeenSink* last_seen)
      : base_guild_id_(base_guild_id), listener_(listener), last_seen_sink_(last_seen) {}

  // ---- writer ----
  void begin_sync() {
    ++generation_;
    syncing_ = true;
  }

  void end_sync() {
    std::vector<Snowflake> gone;
    if (syncing_) {
      for (const auto& [id, entry] : entries_) {
        if (entry.confirmed_generation != generation_) gone.push_back(id);
      }
    }
    std::sort(gone.begin(), gone.end());
    for (Snowflake id : gone) remove_member(id);
    syncing_ = false;
    synced_.store(true, std::memory_order_release);
    emit();
  }

  // `Event` is const (copy from the event) or not (move out of it).
  template <typename Event>
  void apply_guild_create(Event& event) {
    if (event.guild_id != base_guild_id_ || event.unavailable) return;
    apply_member_list(event.members, event.presences);
    emit();
  }

  template <typename Event>
  void apply_chunk(Event& event) {
    if (event.guild_id != base_guild_id_) return;
    apply_member_list(event.members, event.presences);
    emit();
  }

  template <typename Event>
  void apply_presence_update(Event& event) {
    if (event.guild_id != 0 && event.guild_id != base_guild_id_) return;
    update_presence(event.presence.user, &event.presence.presence);
    emit();
  }

  void apply(const MemberAdd& event) {
    if (event.guild_id != base_guild_id_) return;
    upsert_member(event.member, static_cast<const Presence*>(nullptr));
    emit();
  }

  void apply(const MemberUpdate& event) {
    if (event.guild_id != base_guild_id_) return;
    upsert_member(event.member, static_cast<const Presence*>(nullptr));
    emit();
  }

  void apply(const MemberRemove& event) {
    if (event.guild_id != base_guild_id_) return;
    remove_member(event.user_id);
    emit();
  }

  void apply(const UserUpdate& event) {
    update_presence(event.user, static_cast<const Presence*>(nullptr));
    emit();
  }

  void set_storage(Snowflake user_id, StoragePairsPtr pairs) {
    if (pairs && !pairs->empty()) {
      storage_[user_id] = std::move(pairs);
    } else {
      storage_.erase(user_id);
    }
    const auto it = entries_.find(user_id);
    if (it == entries_.end()) return;
    const UserView& old = *it->second.view;
    commit(it->second, Member(old.member()), Presence(old.presence()), Change::Kind::kStorage);
    emit();
  }

  void seed_last_seen(Snowflake user_id, std::int64_t unix_ms) {
    const auto it = entries_.find(user_id);
    if (it != entries_.end() && it->second.view->presence().status != Status::kOffline) {
      return;  // online now: a moment from before is no longer "last seen"
    }
    last_seen_[user_id] = unix_ms;
    if (it == entries_.end()) return;
    const UserView& old = *it->second.view;
    publish_view(it->second, Member(old.member()), Presence(old.presence()));
  }

  // ---- readers ----
  UserViewPtr find(Snowflake user_id) const {
    const Shard& shard = shard_for(user_id);
    std::shared_lock lock(shard.mutex);
    const auto it = shard.views.find(user_id);
    return it == shard.views.end() ? nullptr : it->second;
  }

  std::vector<UserViewPtr> all() const {
    std::vector<UserViewPtr> views;
    views.reserve(size());
    for (const Shard& shard : shards_) {
      std::shared_lock lock(shard.mutex);
      for (const auto& [id, view] : shard.views) views.push_back(view);
    }
    std::sort(views.begin(), views.end(),
              [](const UserViewPtr& a, const UserViewPtr& b) { return a->id() < b->id(); });
    return views;
  }

  std::size_t size() const { return size_.load(std::memory_order_acquire); }
  bool synced() const { return synced_.load(std::memory_order_acquire); }

 private:
  static constexpr std::size_t kShards = 64;

  struct Shard {
    mutable std::shared_mutex mutex;
    std::unordered_map<Snowflake, UserViewPtr> views;
  };

  // Writer-only bookkeeping for one member; `view` is also what readers see.
  struct Entry {
    UserViewPtr view;
    std::uint64_t confirmed_generation = 0;
  };

  const Shard& shard_for(Snowflake id) const { return shards_[shard_index(id)]; }
  Shard& shard_for(Snowflake id) { return shards_[shard_index(id)]; }
  // Snowflake low bits are a per-process counter: well spread, cheap to take.
  static std::size_t shard_index(Snowflake id) { return (id ^ (id >> 22)) % kShards; }

  // `Members` / `Presences` are const vectors (copy) or not (move out of them).
  template <typename Members, typename Presences>
  void apply_member_list(Members& members, Presences& presences) {
    using PresenceEventT = std::remove_reference_t<decltype(presences.front())>;
    using PresenceT = std::remove_reference_t<decltype(presences.front().presence)>;
    std::unordered_map<Snowflake, PresenceEventT*> by_user;
    by_user.reserve(presences.size());
    for (auto& p : presences) by_user.emplace(p.user.id, &p);
    PresenceT offline{};
    for (auto& member : members) {
      // A listed member without a presence entry is offline (protocol 1.10, 1.12).
      const auto it = by_user.find(member.user.id);
      upsert_member(member, it == by_user.end() ? &offline : &it->second->presence);
      if (it != by_user.end()) by_user.erase(it);
    }
    // Presences of members not in this list: only for members we already know.
    for (auto& p : presences) {
      if (by_user.contains(p.user.id)) update_presence(p.user, &p.presence);
    }
  }

  // Adds or replaces a member. `presence` null keeps the current presence
  // (offline for a new member). Non-const arguments are moved from.
  template <typename MemberEventT, typename PresenceT>
  void upsert_member(MemberEventT& event, PresenceT* presence) {
    const Snowflake id = event.user.id;
    if (id == 0) return;
    Member member{full_user(event.user), event.joined_at_ms};
    auto it = entries_.find(id);
    if (it == entries_.end()) {
      Entry& entry = entries_[id];
      if (syncing_) entry.confirmed_generation = generation_;
      Presence initial = presence ? normalized(*presence) : Presence{};
      update_last_seen(id, std::nullopt, initial.status);
      commit(entry, std::move(member), std::move(initial), Change::Kind::kJoined);
      size_.fetch_add(1, std::memory_order_release);
      return;
    }
    Entry& entry = it->second;
    if (syncing_) entry.confirmed_generation = generation_;
    const UserView& old = *entry.view;
    if (!member.joined_at_ms) member.joined_at_ms = old.member().joined_at_ms;
    if (member == old.member() && (presence ? same_presence(*presence, old.presence()) : true)) {
      return;
    }
    Presence next = presence ? normalized(*presence) : old.presence();
    update_last_seen(id, old.presence().status, next.status);
    commit(entry, std::move(member), std::move(next), Change::Kind::kPresence);
  }

  // Merges a partial user and (when given) replaces the presence of a known
  // member. A non-const `presence` is moved from.
  template <typename PresenceT>
  void update_presence(const UserPatch& patch, PresenceT* presence) {
    const auto it = entries_.find(patch.id);
    if (it == entries_.end() || patch.id == 0) return;  // not monitored
    Entry& entry = it->second;
    const UserView& old = *entry.view;
    const bool user_changed = patch_changes(patch, old.user());
    if (!user_changed && (!presence || same_presence(*presence, old.presence()))) return;
    // The new snapshot needs its own copy of the user either way.
    User user = old.user();
    if (user_changed) patch.apply_to(user);
    Member member{std::move(user), old.member().joined_at_ms};
    Presence next = presence ? normalized(*presence) : old.presence();
    update_last_seen(patch.id, old.presence().status, next.status);
    commit(entry, std::move(member), std::move(next), Change::Kind::kPresence);
  }

  void remove_member(Snowflake id) {
    const auto it = entries_.find(id);
    if (it == entries_.end()) return;
    entries_.erase(it);
    {
      Shard& shard = shard_for(id);
      std::unique_lock lock(shard.mutex);
      shard.views.erase(id);
    }
    size_.fetch_sub(1, std::memory_order_release);
    pending_.push_back(Change{Change::Kind::kLeft, id, nullptr});
  }

  // `before` is nullopt when the member is seen for the first time.
  void update_last_seen(Snowflake id, std::optional<Status> before, Status after) {
    if (after != Status::kOffline) {
      if (last_seen_.erase(id) > 0 && last_seen_sink_) last_seen_sink_->last_seen_changed(id, {});
      return;
    }
    if (!before || *before == Status::kOffline) return;  // offline since before we knew
    const std::int64_t now = unix_now_ms();
    last_seen_[id] = now;
    if (last_seen_sink_) last_seen_sink_->last_seen_changed(id, now);
  }

  void commit(Entry& entry, Member member, Presence presence, Change::Kind kind) {
    const Snowflake id = member.user.id;
    publish_view(entry, std::move(member), std::move(presence));
    pending_.push_back(Change{kind, id, entry.view});
  }

  void publish_view(Entry& entry, Member member, Presence presence) {
    const Snowflake id = member.user.id;
    const auto seen = last_seen_.find(id);
    const auto pairs = storage_.find(id);
    entry.view = UserView::make(
        std::move(member), std::move(presence),
        seen == last_seen_.end() ? std::nullopt : std::optional<std::int64_t>(seen->second),
        pairs == storage_.end() ? nullptr : pairs->second);
    Shard& shard = shard_for(id);
    UserViewPtr previous;  // released outside the lock
    std::unique_lock lock(shard.mutex);
    auto& slot = shard.views[id];
    previous = std::exchange(slot, entry.view);
  }

  void emit() {
    if (pending_.empty()) return;
    std::vector<Change> changes;
    changes.swap(pending_);
    if (listener_) listener_->on_changes(changes);
  }

  const Snowflake base_guild_id_;
  ChangeListener* const listener_;
  LastSeenSink* const last_seen_sink_;

  std::array<Shard, kShards> shards_;
  std::atomic<std::size_t> size_{0};
  std::atomic<bool> synced_{false};

  // Writer-only state.
  std::unordered_map<Snowflake, Entry> entries_;
  std::unordered_map<Snowflake, StoragePairsPtr> storage_;  // members and non-members
  std::unordered_map<Snowflake, std::int64_t> last_seen_;   // members and non-members
  std::vector<Change> pending_;
  std::uint64_t generation_ = 0;
  bool syncing_ = false;
};

// ---- PresenceStore -----------------------------------------------------------

PresenceStore::PresenceStore(Snowflake base_guild_id, ChangeListener* listener,
                             LastSeenSink* last_seen)
    : impl_(std::make_unique<Impl>(base_guild_id, listener, last_seen)) {}
PresenceStore::~PresenceStore() = default;

void PresenceStore::begin_sync() {
  impl_->begin_sync();
}
void PresenceStore::end_sync() {
  impl_->end_sync();
}
void PresenceStore::apply(const GuildCreate& event) {
  impl_->apply_guild_create(event);
}
void PresenceStore::apply(const MembersChunk& event) {
  impl_->apply_chunk(event);
}
void PresenceStore::apply(const MemberAdd& event) {
  impl_->apply(event);
}
void PresenceStore::apply(const MemberUpdate& event) {
  impl_->apply(event);
}
void PresenceStore::apply(const MemberRemove& event) {
  impl_->apply(event);
}
void PresenceStore::apply(const PresenceUpdate& event) {
  impl_->apply_presence_update(event);
}
void PresenceStore::apply(const UserUpdate& event) {
  impl_->apply(event);
}
void PresenceStore::apply(GuildCreate&& event) {
  impl_->apply_guild_create(event);
}
void PresenceStore::apply(MembersChunk&& event) {
  impl_->apply_chunk(event);
}
void PresenceStore::apply(PresenceUpdate&& event) {
  impl_->apply_presence_update(event);
}
void PresenceStore::set_storage(Snowflake user_id, StoragePairsPtr pairs) {
  impl_->set_storage(user_id, std::move(pairs));
}
void PresenceStore::seed_last_seen(Snowflake user_id, std::int64_t unix_ms) {
  impl_->seed_last_seen(user_id, unix_ms);
}
UserViewPtr PresenceStore::find(Snowflake user_id) const {
  return impl_->find(user_id);
}
std::vector<UserViewPtr> PresenceStore::all() const {
  return impl_->all();
}
std::size_t PresenceStore::size() const {
  return impl_->size();
}
bool PresenceStore::synced() const {
  return impl_->synced();
}

}  // namespace lantern::presence
