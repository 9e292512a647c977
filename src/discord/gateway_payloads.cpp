#include "discord/gateway_payloads.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace lantern::discord {
namespace {

namespace json = boost::json;

std::string envelope(int op, json::value d) {
  json::object out;
  out["op"] = op;
  out["d"] = std::move(d);
  return json::serialize(out);
}

json::object presence_object(std::string_view text) {
  json::object presence;
  presence["since"] = nullptr;
  json::array activities;
  if (!text.empty()) {
    json::object activity;
    activity["name"] = "Custom Status";
    activity["type"] = 4;
    activity["state"] = text;
    activities.push_back(std::move(activity));
  }
  presence["activities"] = std::move(activities);
  presence["status"] = "online";
  presence["afk"] = false;
  return presence;
}

}  // namespace

std::string heartbeat_payload(std::optional<std::int64_t> seq) {
  return seq ? envelope(1, *seq) : envelope(1, nullptr);
}

std::string identify_payload(const IdentifyParams& params) {
  json::object d;
  d["token"] = params.token;
  d["intents"] = params.intents;
  d["properties"] = {{"os", "linux"}, {"browser", "lantern"}, {"device", "lantern"}};
  d["compress"] = false;
  d["large_threshold"] = params.large_threshold;
  d["shard"] = {0, 1};
  d["presence"] = presence_object(params.activity_text);
  return envelope(2, std::move(d));
}

std::string resume_payload(std::string_view token, std::string_view session_id, std::int64_t seq) {
  json::object d;
  d["token"] = token;
  d["session_id"] = session_id;
  d["seq"] = seq;
  return envelope(6, std::move(d));
}

std::string request_members_payload(Snowflake guild_id, std::string_view nonce) {
  json::object d;
  d["guild_id"] = to_string(guild_id);
  d["query"] = "";
  d["limit"] = 0;
  d["presences"] = true;
  d["nonce"] = nonce;
  return envelope(8, std::move(d));
}

std::string presence_update_payload(std::string_view text) {
  return envelope(3, presence_object(text));
}

}  // namespace lantern::discord
