#include "bot/reply.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <cctype>
#include <utility>

#include "storage/kv_rules.h"

namespace lantern::bot {
namespace json = boost::json;

namespace {

json::object message_data(std::string_view content, bool ephemeral) {
  json::object data{{"content", content},
                    {"allowed_mentions", json::object{{"parse", json::array{}}}}};
  if (ephemeral) data["flags"] = kFlagEphemeral;
  return data;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (prefix.size() > text.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const auto a = static_cast<unsigned char>(text[i]);
    const auto b = static_cast<unsigned char>(prefix[i]);
    if (std::tolower(a) != std::tolower(b)) return false;
  }
  return true;
}

}  // namespace

Reply message(std::string_view content, bool ephemeral, json::array components) {
  json::object data = message_data(content, ephemeral);
  if (!components.empty()) data["components"] = std::move(components);
  return Reply{json::object{{"type", kReplyMessage}, {"data", std::move(data)}}, {}};
}

Reply message_with_file(std::string_view content, bool ephemeral, discord::RestFile file) {
  json::object data = message_data(content, ephemeral);
  data["attachments"] = json::array{json::object{{"id", 0}, {"filename", file.filename}}};
  Reply reply{json::object{{"type", kReplyMessage}, {"data", std::move(data)}}, {}};
  reply.files.push_back(std::move(file));
  return reply;
}

Reply update_message(std::string_view content) {
  json::object data{{"content", content},
                    {"components", json::array{}},
                    {"allowed_mentions", json::object{{"parse", json::array{}}}}};
  return Reply{json::object{{"type", kReplyUpdate}, {"data", std::move(data)}}, {}};
}

Reply autocomplete(const std::vector<std::string>& keys) {
  json::array choices;
  for (const std::string& key : keys)
    choices.push_back(json::object{{"name", key}, {"value", key}});
  return Reply{json::object{{"type", kReplyAutocomplete},
                            {"data", json::object{{"choices", std::move(choices)}}}},
               {}};
}

std::vector<std::string> complete_keys(const presence::StoragePairs& pairs,
                                       std::string_view typed) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : pairs) {
    if (keys.size() == kMaxChoices) break;
    if (key.size() > kMaxChoiceLength || !starts_with_ignoring_case(key, typed)) continue;
    keys.push_back(key);
  }
  return keys;
}

std::string render_pairs(const presence::StoragePairs& pairs) {
  if (pairs.empty()) return "{}";
  std::string out = "{";
  bool first = true;
  for (const auto& [key, value] : pairs) {
    out += first ? "\n  " : ",\n  ";
    first = false;
    out += json::serialize(json::string(key));
    out += ": ";
    out += json::serialize(json::string(value));
  }
  out += "\n}";
  return out;
}

Reply text_or_file(std::string_view intro, std::string_view text, std::string_view language,
                   std::string_view attached, std::string_view filename, bool ephemeral,
                   std::size_t inline_limit) {
  const auto length = storage::utf8_code_points(text);
  const bool fits = length && *length <= inline_limit && text.find("```") == std::string_view::npos;
  if (fits) {
    std::string content(intro);
    content += "\n```";
    content += language;
    content += '\n';
    content += text;
    content += "\n```";
    return message(content, ephemeral);
  }
  discord::RestFile file{std::string(filename), "application/json", std::string(text)};
  if (!filename.ends_with(".json")) file.content_type = "text/plain; charset=utf-8";
  return message_with_file(attached, ephemeral, std::move(file));
}

discord::RestRequest callback_request(Snowflake interaction_id, std::string_view token,
                                      const Reply& reply) {
  discord::RestRequest request;
  request.method = "POST";
  request.path =
      "/interactions/" + to_string(interaction_id) + "/" + std::string(token) + "/callback";
  request.json_body = json::serialize(reply.body);
  request.files = reply.files;
  return request;
}

}  // namespace lantern::bot
