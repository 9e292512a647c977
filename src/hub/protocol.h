// Parsing of client frames (API.md section 3): the text of one inbound message
// becomes either a ClientMessage or a Rejection (DISCONNECT reason + close code).
//
// Pure and stateless: rules that depend on the session (INIT before SUBSCRIBE,
// already subscribed, ...) are the Hub's. Callable from any thread.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hub/close_codes.h"
#include "hub/encode.h"
#include "hub/options.h"
#include "util/snowflake.h"

namespace lantern::hub {

// The `d` of INIT, SUBSCRIBE and UNSUBSCRIBE: exactly one of "user_id": "<id>",
// "user_id": "All" (any case) or "user_ids": [...].
struct Subscription {
  enum class Form : std::uint8_t { kSingle, kList, kAll };
  Form form = Form::kSingle;
  std::vector<Snowflake> ids;  // one id for kSingle, request order for kList, empty for kAll
};

struct ClientMessage {
  Op op = Op::kHeartbeat;  // kInit, kHeartbeat, kSubscribe or kUnsubscribe
  Subscription subscription;
};

struct Rejection {
  CloseCode code;
  std::string reason;
};

using ParseResult = std::variant<ClientMessage, Rejection>;

// `options.max_ids_per_session` bounds the length of `user_ids` (4009 beyond).
ParseResult parse_client_message(std::string_view text, const Options& options);

}  // namespace lantern::hub
