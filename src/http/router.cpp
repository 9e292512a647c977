#include "http/router.h"

#include <algorithm>

#include "http/path_segments.h"

namespace lantern::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  for_each_segment(path, [&segments](std::string_view segment) {
    segments.push_back(segment);
    return true;
  });
  return segments;
}

}  // namespace

void add_common_headers(Response& response) {
  response.headers.emplace_back("Access-Control-Allow-Origin", "*");
}

void Router::add(Method method, std::string pattern, Handler handler) {
  Route route{method, {}, pattern, std::move(handler)};
  for (auto segment : split_path(pattern)) route.segments.emplace_back(segment);
  routes_.push_back(std::move(route));
}

bool Router::match(const Route& route, const std::vector<std::string_view>& segments,
                   std::vector<std::string>* params) {
  if (route.segments.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (route.segments[i] == "{}") {
      if (params) params->emplace_back(segments[i]);
    } else if (route.segments[i] != segments[i]) {
      return false;
    }
  }
  return true;
}

std::string Router::allowed_methods(const std::vector<std::string_view>& segments) const {
  std::vector<Method> methods;
  for (const auto& route : routes_) {
    if (match(route, segments, nullptr)) methods.push_back(route.method);
  }
  if (std::find(methods.begin(), methods.end(), Method::kGet) != methods.end()) {
    methods.push_back(Method::kHead);
  }
  std::string allow;
  for (Method m : methods) {
    if (!allow.empty()) allow += ", ";
    allow += to_string(m);
  }
  if (!allow.empty()) allow += ", OPTIONS";
  return allow;
}

void Router::dispatch(Request& request, Respond respond) const {
  const auto segments = split_path(request.path);
  const Method wanted = request.method == Method::kHead ? Method::kGet : request.method;
  for (const auto& route : routes_) {
    if (route.method != wanted) continue;
    request.path_params.clear();
    if (match(route, segments, &request.path_params)) {
      route.handler(request, std::move(respond));
      return;
    }
  }
  const std::string allow = allowed_methods(segments);
  if (allow.empty()) {
    respond(json_error(404, "Resource not found."));
    return;
  }
  if (request.method == Method::kOptions) {
    Response preflight;
    preflight.status = 204;
    preflight.content_type.clear();
    preflight.with_header("Allow", allow)
        .with_header("Access-Control-Allow-Methods", allow)
        .with_header("Access-Control-Allow-Headers", "Authorization, Content-Type")
        .with_header("Access-Control-Max-Age", "86400");
    respond(std::move(preflight));
    return;
  }
  Response response = json_error(405, "Method not allowed.");
  response.with_header("Allow", allow);
  respond(std::move(response));
}

}  // namespace lantern::http
