// PresenceStore: the live state of every monitored member of the base guild.
//
// Threading contract
//  * Writer methods (apply*, begin_sync/end_sync, set_storage, seed_last_seen) must
//    all be called from ONE logical thread at a time: in the server that is the
//    "presence writer" strand owned by app/, onto which the gateway client, the
//    storage layer and the bot post their work. The store does no locking of its
//    own for writers beyond what readers need.
//  * Reader methods (find, all, size, synced) may be called from any thread at
//    any time. They never wait for the writer for longer than a shard lock held
//    for one pointer copy, and they return immutable snapshots
//    (std::shared_ptr<const UserView>) that stay valid and unchanged for as long
//    as the caller holds them, whatever the writer does meanwhile.
//  * The ChangeListener is called on the writer thread, synchronously, after the
//    store has published the new snapshots; what it is told is already visible
//    to readers (so a reader that sees an event can always find its data).
//
// Rendering: a user's JSON (API.md section 1) is rendered at most once per
// snapshot, on the first read that keeps it (REST, INIT/SUBSCRIBE acks), and
// stored in the snapshot; later reads only splice in the Spotify elapsed time,
// which depends on the moment of the read. Snapshots nobody reads are never
// rendered, which keeps a big guild's memory at the model alone (about half of
// what a rendered member costs; docs/benchmarks.md).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "presence/events.h"
#include "presence/model.h"
#include "presence/render.h"

namespace lantern::presence {

// An immutable snapshot of one monitored member.
class UserView {
 public:
  Snowflake id() const { return member_.user.id; }
  const Member& member() const { return member_; }
  const User& user() const { return member_.user; }
  const Presence& presence() const { return presence_; }
  std::optional<std::int64_t> last_seen_ms() const { return last_seen_ms_; }
  const StoragePairs& storage() const;

  ~UserView();
  UserView(const UserView&) = delete;
  UserView& operator=(const UserView&) = delete;

  // Appends the user data object of API.md section 1 to `out`. `now_ms` is the
  // moment the response or event is produced (it fixes Spotify's elapsed time).
  // The first call renders the snapshot and keeps the rendering for later
  // calls; safe to call from any number of threads at once.
  void append_json(std::string& out, std::int64_t now_ms) const;
  std::string json(std::int64_t now_ms) const;

  // The same bytes, but a rendering made for this call is not kept: for event
  // frames, which are encoded once however many sessions receive them, so that
  // the snapshot of a member nobody reads stays unrendered.
  void append_json_transient(std::string& out, std::int64_t now_ms) const;

  // True once a kept rendering exists (tests and benchmarks observe laziness).
  bool rendered() const { return rendered_.load(std::memory_order_acquire) != nullptr; }

  // Builds a snapshot (not rendered yet). Used by the store; public for tests
  // and tools that render a member without a store.
  static std::shared_ptr<const UserView> make(Member member, Presence presence,
                                              std::optional<std::int64_t> last_seen_ms,
                                              StoragePairsPtr storage);

 private:
  UserView() = default;

  RenderedUser render() const;
  // The kept rendering, made on first use.
  const RenderedUser& rendering() const;

  Member member_;
  Presence presence_;
  std::optional<std::int64_t> last_seen_ms_;
  StoragePairsPtr storage_;

  // Owned; null until the first append_json(). Concurrent first readers may
  // each render, one of them publishes (compare-exchange), the others discard
  // theirs: the renderings are identical, and no reader ever waits.
  mutable std::atomic<const RenderedUser*> rendered_{nullptr};
};

using UserViewPtr = std::shared_ptr<const UserView>;

// What changed, in the order it happened.
struct Change {
  enum class Kind : std::uint8_t {
    kPresence,  // presence, profile or membership data of a member changed
    kJoined,    // a new member (view set)
    kLeft,      // a member left (view is null)
    kStorage,   // the member's key-value pairs changed (view set)
  };
  Kind kind;
  Snowflake user_id;
  UserViewPtr view;
};

class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  // Called on the writer thread with every change of one applied event.
  virtual void on_changes(std::span<const Change> changes) = 0;
};

// Persists last-seen moments (storage/ implements it). Called on the writer thread;
// implementations must hand the work off instead of blocking.
class LastSeenSink {
 public:
  virtual ~LastSeenSink() = default;
  // `unix_ms` is the moment the member went offline, or nullopt when they came back.
  virtual void last_seen_changed(Snowflake user_id, std::optional<std::int64_t> unix_ms) = 0;
};

class PresenceStore {
 public:
  // Events for guilds other than `base_guild_id` are ignored. `listener` and
  // `last_seen` may be null; when set they must outlive the store.
  PresenceStore(Snowflake base_guild_id, ChangeListener* listener, LastSeenSink* last_seen);
  ~PresenceStore();

  PresenceStore(const PresenceStore&) = delete;
  PresenceStore& operator=(const PresenceStore&) = delete;

  // ---- writer side -------------------------------------------------------

  // A (re)synchronisation of the whole guild begins: every known member is
  // marked unconfirmed. Members delivered by GUILD_CREATE / chunks / ADD /
  // UPDATE until end_sync() are confirmed; end_sync() drops the unconfirmed
  // ones (kLeft) and marks the store synced. Members whose data did not change
  // produce no event. Last seen: a member going from online/idle/dnd to offline
  // gets last_seen = now (LastSeenSink told); coming back clears it (sink told
  // nullopt); a member offline since first seen keeps none.
  void begin_sync();
  void end_sync();

  // Each apply() reports its changes in one ChangeListener call, and only the
  // changes that alter a member's rendered data: duplicates report nothing.
  //
  // GUILD_CREATE / chunks: listed members are added (kJoined) or replaced
  // (kPresence when different); a listed member without an entry in the
  // event's presences is offline. Presences of unlisted users apply only to
  // known members. An `unavailable` GUILD_CREATE is ignored.
  void apply(const GuildCreate& event);
  void apply(const MembersChunk& event);
  // ADD / UPDATE: the member's user is replaced by the event's (full) user; the
  // presence is kept (a new member starts offline). A repeated ADD is an update.
  void apply(const MemberAdd& event);
  void apply(const MemberUpdate& event);
  // The member and their presence are dropped (kLeft). Unknown ids: nothing.
  void apply(const MemberRemove& event);
  // Merges the partial user and replaces the presence of a known member;
  // presences of non-members are ignored. guild_id 0 counts as the base guild.
  void apply(const PresenceUpdate& event);
  // Merges the bot's own user into its member entry, if it is a member.
  void apply(const UserUpdate& event);
  // The same, moving the decoded strings and activities into the snapshots
  // instead of copying them (the decoder's events are temporaries on the hot
  // path). `event` is left valid but unspecified.
  void apply(GuildCreate&& event);
  void apply(MembersChunk&& event);
  void apply(PresenceUpdate&& event);

  // Replaces the stored pairs of a user (member or not: pairs of non-members are
  // kept so that they show as soon as the user joins); null or empty = no pairs.
  // Emits kStorage for members on every call, even when the pairs are equal
  // (a client that wrote sees its write confirmed).
  void set_storage(Snowflake user_id, StoragePairsPtr pairs);

  // Loads a persisted last-seen moment at start (no events, no sink calls). It
  // shows while the user is offline; a seed for a member who is online now is
  // dropped.
  void seed_last_seen(Snowflake user_id, std::int64_t unix_ms);

  // ---- reader side (any thread) ------------------------------------------

  UserViewPtr find(Snowflake user_id) const;
  // Every monitored member, ordered by id.
  std::vector<UserViewPtr> all() const;
  std::size_t size() const;
  // True once the first full sync finished (and stays true across resyncs).
  bool synced() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lantern::presence
