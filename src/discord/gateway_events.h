// What the gateway client delivers to the rest of Lantern: typed presence events
// for the base guild, session and sync milestones, interactions and fatal stops.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <string>
#include <variant>

#include "presence/events.h"
#include "util/snowflake.h"

namespace lantern::discord {

using GatewayEvent =
    std::variant<presence::GuildCreate, presence::MembersChunk, presence::MemberAdd,
                 presence::MemberUpdate, presence::MemberRemove, presence::PresenceUpdate,
                 presence::UserUpdate>;

// The facts of READY the rest of the server needs.
struct ReadyInfo {
  Snowflake bot_user_id = 0;
  Snowflake application_id = 0;
  std::string session_id;
};

// Receives everything the gateway client learns. All methods are called on the
// gateway client's strand (the executor given to GatewayClient), one at a time,
// in wire order, so an implementation may write the presence store directly.
// They must not block; they may call GatewayClient methods.
class GatewayEventSink {
 public:
  virtual ~GatewayEventSink() = default;

  // A new session was identified (not called for a resume).
  virtual void on_ready(const ReadyInfo& /*ready*/) {}
  // A session was resumed; the missed events were (or are being) replayed.
  virtual void on_resumed() {}

  // A full member sync of the base guild starts (GUILD_CREATE of the base
  // guild): every member delivered until on_sync_end() is confirmed; the store
  // drops the rest then (PresenceStore::begin_sync / end_sync).
  virtual void on_sync_begin() {}
  // Every GUILD_MEMBERS_CHUNK of the sync has arrived: the guild is complete.
  virtual void on_sync_end() {}

  // A dispatch of the base guild (events of other guilds are dropped). The
  // event is the sink's to keep: moving it into the store saves copying every
  // activity of a presence.
  virtual void on_event(GatewayEvent&& event) = 0;

  // INTERACTION_CREATE, the `d` object as received.
  virtual void on_interaction(const boost::json::object& /*interaction*/) {}

  // The connection cannot work without operator action (bad token, intents not
  // enabled, invalid shard/version): the client has stopped and will not retry.
  // `message` says what to fix. The application should exit non-zero.
  virtual void on_fatal(const std::string& message) = 0;
};

}  // namespace lantern::discord
