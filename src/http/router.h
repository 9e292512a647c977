// Router: maps (method, path) to a Handler.
//
// Patterns are literal segments and "{}" placeholders, e.g.
// "/api/v1/users/{}/storage/{}"; placeholder values reach the handler in
// Request::path_params. The router answers by itself what HTTP requires of a
// well-behaved JSON API: 404 for unknown paths, 405 with Allow for a known path
// and another method, 204 for CORS preflight (OPTIONS), and HEAD as GET
// without a body. Routes are added before the server starts; dispatch is then
// read-only and safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "http/message.h"

namespace lantern::http {

class Router {
 public:
  void add(Method method, std::string pattern, Handler handler);

  // Finds the route and runs it; `respond` is called exactly once.
  void dispatch(Request& request, Respond respond) const;

 private:
  struct Route {
    Method method;
    std::vector<std::string> segments;  // "{}" = placeholder
    std::string pattern;
    Handler handler;
  };

  static bool match(const Route& route, const std::vector<std::string_view>& segments,
                    std::vector<std::string>* params);
  std::string allowed_methods(const std::vector<std::string_view>& segments) const;

  std::vector<Route> routes_;
};

// Headers every response carries (CORS for browsers on other origins).
void add_common_headers(Response& response);

}  // namespace lantern::http
