#include "hub/protocol.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <unordered_set>

namespace lantern::hub {
namespace {

Rejection invalid(std::string reason) {
  return {CloseCode::kInvalidPayload, std::move(reason)};
}

bool is_all(std::string_view text) {
  return text.size() == 3 && (text[0] | 0x20) == 'a' && (text[1] | 0x20) == 'l' &&
         (text[2] | 0x20) == 'l';
}

ParseResult parse_single(const boost::json::value& value) {
  const auto* text = value.if_string();
  if (text == nullptr) return invalid("user_id must be a string.");
  ClientMessage message;
  if (is_all(*text)) {
    message.subscription.form = Subscription::Form::kAll;
    return message;
  }
  auto id = parse_api_snowflake(*text);
  if (!id) return invalid("user_id must be a Discord user ID (17-20 digits).");
  message.subscription.ids.push_back(*id);
  return message;
}

ParseResult parse_list(const boost::json::value& value, const Options& options) {
  const auto* array = value.if_array();
  if (array == nullptr) return invalid("user_ids must be an array of strings.");
  if (array->empty()) return invalid("user_ids must not be empty.");
  if (array->size() > options.max_ids_per_session) {
    return Rejection{
        CloseCode::kLimit,
        "You can subscribe to at most " + std::to_string(options.max_ids_per_session) + " users."};
  }
  ClientMessage message;
  message.subscription.form = Subscription::Form::kList;
  auto& ids = message.subscription.ids;
  ids.reserve(array->size());
  std::unordered_set<Snowflake> seen;
  for (const auto& element : *array) {
    const auto* text = element.if_string();
    auto id = text ? parse_api_snowflake(*text) : std::nullopt;
    if (!id) return invalid("user_ids must be a Discord user ID (17-20 digits).");
    if (!seen.insert(*id).second) return invalid("user_ids must not contain duplicates.");
    ids.push_back(*id);
  }
  return message;
}

ParseResult parse_subscription(const boost::json::object& frame, const Options& options) {
  const auto* d = frame.if_contains("d");
  const auto* object = d ? d->if_object() : nullptr;
  if (object == nullptr) return invalid("d must be an object.");
  const auto* single = object->if_contains("user_id");
  const auto* list = object->if_contains("user_ids");
  if ((single == nullptr) == (list == nullptr)) {
    return invalid("d must hold exactly one of user_id or user_ids.");
  }
  return single ? parse_single(*single) : parse_list(*list, options);
}

// The op as a known client opcode, or the rejection for any other value.
std::variant<Op, Rejection> parse_op(const boost::json::object& frame) {
  const auto* op = frame.if_contains("op");
  if (op == nullptr) return invalid("op is required.");
  if (!op->is_int64() && !op->is_uint64()) return invalid("op must be an integer.");
  if (op->is_uint64() || op->get_int64() < 1 || op->get_int64() > 15) {
    return Rejection{CloseCode::kUnknownOp, "Unknown opcode."};
  }
  auto value = static_cast<Op>(op->get_int64());
  switch (value) {
    case Op::kInit:
    case Op::kHeartbeat:
    case Op::kSubscribe:
    case Op::kUnsubscribe:
      return value;
    default:
      return Rejection{CloseCode::kUnknownOp, "Opcode " + std::to_string(op->get_int64()) +
                                                  " is sent by the server only."};
  }
}

}  // namespace

ParseResult parse_client_message(std::string_view text, const Options& options) {
  boost::system::error_code ec;
  boost::json::value root = boost::json::parse(text, ec);
  if (ec) return invalid("Invalid JSON.");
  const auto* frame = root.if_object();
  if (frame == nullptr) return invalid("A message must be a JSON object.");
  auto op = parse_op(*frame);
  if (auto* rejection = std::get_if<Rejection>(&op)) return std::move(*rejection);
  Op value = std::get<Op>(op);
  if (value == Op::kHeartbeat) return ClientMessage{Op::kHeartbeat, {}};
  ParseResult result = parse_subscription(*frame, options);
  if (auto* message = std::get_if<ClientMessage>(&result)) message->op = value;
  return result;
}

}  // namespace lantern::hub
