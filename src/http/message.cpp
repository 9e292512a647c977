#include "http/message.h"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace lantern::http {

std::string_view to_string(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kOther:
      break;
  }
  return "OTHER";
}

std::optional<std::string_view> Request::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return std::string_view(value);
  }
  return std::nullopt;
}

std::vector<std::string_view> Request::query_values(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const auto& [key, value] : query) {
    if (key == name) values.emplace_back(value);
  }
  return values;
}

std::optional<std::string_view> Request::query_value(std::string_view name) const {
  std::optional<std::string_view> last;
  for (const auto& [key, value] : query) {
    if (key == name) last = value;
  }
  return last;
}

Response json_error(unsigned status, std::string_view sentence) {
  Response response;
  response.status = status;
  response.body = "{\"error\":";
  response.body +=
      boost::json::serialize(boost::json::string_view(sentence.data(), sentence.size()));
  response.body += '}';
  return response;
}

Response json_body(std::string body, unsigned status) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace lantern::http
