#include "hub/encode.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

namespace lantern::hub {
namespace {

constexpr std::string_view name_of(Op op) {
  switch (op) {
    case Op::kHello:
      return "HELLO";
    case Op::kInit:
      return "INIT";
    case Op::kInitAck:
      return "INIT_ACK";
    case Op::kHeartbeat:
      return "HEARTBEAT";
    case Op::kHeartbeatAck:
      return "HEARTBEAT_ACK";
    case Op::kPresenceUpdate:
      return "PRESENCE_UPDATE";
    case Op::kUserLeft:
      return "USER_LEFT";
    case Op::kUserJoined:
      return "USER_JOINED";
    case Op::kDisconnect:
      return "DISCONNECT";
    case Op::kStorageUpdate:
      return "STORAGE_UPDATE";
    case Op::kError:
      return "ERROR";
    case Op::kSubscribe:
      return "SUBSCRIBE";
    case Op::kSubscribeAck:
      return "SUBSCRIBE_ACK";
    case Op::kUnsubscribe:
      return "UNSUBSCRIBE";
    case Op::kUnsubscribeAck:
      return "UNSUBSCRIBE_ACK";
  }
  return "";
}

// `{"t":"NAME","op":n` — the caller appends `,"d":...` (or nothing) and `}`.
std::string head(Op op) {
  std::string out;
  out.reserve(64);
  out += R"({"t":")";
  out += name_of(op);
  out += R"(","op":)";
  out += std::to_string(static_cast<int>(op));
  return out;
}

FramePtr with_d(Op op, const boost::json::value& d) {
  std::string out = head(op);
  out += R"(,"d":)";
  out += boost::json::serialize(d);
  out += '}';
  return make_frame(std::move(out));
}

// How an encoder reads the user's JSON: acks keep the snapshot's rendering for
// later reads; events are encoded once per change and leave the snapshot as it was.
enum class Rendering { kKeep, kTransient };

FramePtr with_user(Op op, const presence::UserView& view, std::int64_t now_ms,
                   Rendering rendering) {
  std::string out = head(op);
  out += R"(,"d":)";
  if (rendering == Rendering::kKeep) {
    view.append_json(out, now_ms);
  } else {
    view.append_json_transient(out, now_ms);
  }
  out += '}';
  return make_frame(std::move(out));
}

}  // namespace

FramePtr encode_hello(std::int64_t heartbeat_interval_ms) {
  return with_d(Op::kHello, boost::json::object{{"heartbeat_interval", heartbeat_interval_ms}});
}

FramePtr encode_heartbeat_ack() {
  return make_frame(head(Op::kHeartbeatAck) + '}');
}

FramePtr encode_error(std::string_view sentence) {
  return with_d(Op::kError, boost::json::string(sentence));
}

FramePtr encode_disconnect(std::string_view reason) {
  return with_d(Op::kDisconnect, boost::json::object{{"reason", reason}});
}

FramePtr encode_unsubscribe_ack() {
  return make_frame(head(Op::kUnsubscribeAck) + '}');
}

FramePtr encode_ack(Op op, std::span<const presence::UserViewPtr> views, bool single,
                    std::int64_t now_ms) {
  if (single && views.size() == 1) return with_user(op, *views.front(), now_ms, Rendering::kKeep);
  std::string out = head(op);
  out += R"(,"d":[)";
  for (std::size_t i = 0; i < views.size(); ++i) {
    if (i != 0) out += ',';
    views[i]->append_json(out, now_ms);
  }
  out += "]}";
  return make_frame(std::move(out));
}

FramePtr encode_presence_update(const presence::UserView& view, std::int64_t now_ms) {
  return with_user(Op::kPresenceUpdate, view, now_ms, Rendering::kTransient);
}

FramePtr encode_user_joined(const presence::UserView& view, std::int64_t now_ms) {
  return with_user(Op::kUserJoined, view, now_ms, Rendering::kTransient);
}

FramePtr encode_user_left(Snowflake user_id) {
  return with_d(Op::kUserLeft, boost::json::object{{"user_id", to_string(user_id)}});
}

FramePtr encode_storage_update(const presence::UserView& view) {
  boost::json::object pairs;
  for (const auto& [key, value] : view.storage()) pairs[key] = value;
  std::string out = head(Op::kStorageUpdate);
  out += R"(,"user_id":")";
  out += to_string(view.id());
  out += R"(","d":)";
  out += boost::json::serialize(pairs);
  out += '}';
  return make_frame(std::move(out));
}

}  // namespace lantern::hub
