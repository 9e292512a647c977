// Encoders of the server frames of API.md section 3: {"t": NAME, "op": n, "d": ...}.
//
// Pure functions, callable from any thread. User data comes from
// presence::UserView (rendered at most once per snapshot, see presence/store.h);
// the encoders only wrap it, they never re-serialise a user.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "hub/frame.h"
#include "presence/store.h"

namespace lantern::hub {

// Opcodes (API.md section 3).
enum class Op : int {
  kHello = 1,
  kInit = 2,
  kInitAck = 3,
  kHeartbeat = 4,
  kHeartbeatAck = 5,
  kPresenceUpdate = 6,
  kUserLeft = 7,
  kUserJoined = 8,
  kDisconnect = 9,
  kStorageUpdate = 10,
  kError = 11,
  kSubscribe = 12,
  kSubscribeAck = 13,
  kUnsubscribe = 14,
  kUnsubscribeAck = 15,
};

FramePtr encode_hello(std::int64_t heartbeat_interval_ms);
FramePtr encode_heartbeat_ack();
FramePtr encode_error(std::string_view sentence);
FramePtr encode_disconnect(std::string_view reason);
FramePtr encode_unsubscribe_ack();

// INIT_ACK / SUBSCRIBE_ACK. `single` selects the object form (request was
// "user_id": "<id>", exactly one view); otherwise `d` is an array in `views` order.
FramePtr encode_ack(Op op, std::span<const presence::UserViewPtr> views, bool single,
                    std::int64_t now_ms);

FramePtr encode_presence_update(const presence::UserView& view, std::int64_t now_ms);
FramePtr encode_user_joined(const presence::UserView& view, std::int64_t now_ms);
FramePtr encode_user_left(Snowflake user_id);
FramePtr encode_storage_update(const presence::UserView& view);

}  // namespace lantern::hub
