#include "http/docs_routes.h"

#include <string>
#include <utility>

namespace lantern::http {

// Defined in the source generated from docs/openapi.json and src/http/docs_assets/
// (src/http/CMakeLists.txt).
namespace docs_assets {
extern const std::string_view kOpenApiJson;
extern const std::string_view kIndexHtml;
extern const std::string_view kDocsJs;
extern const std::string_view kDocsCss;
}  // namespace docs_assets

namespace {

// A static file. `no-cache` lets browsers keep it but revalidate, so an upgraded
// server is never documented by a stale page.
void add_static(Router& router, std::string pattern, std::string_view content_type,
                std::string_view body) {
  router.add(Method::kGet, std::move(pattern),
             [content_type, body](const Request&, Respond respond) {
               Response response;
               response.content_type = std::string(content_type);
               response.body = std::string(body);
               response.with_header("Cache-Control", "no-cache")
                   .with_header("X-Content-Type-Options", "nosniff")
                   .with_header("Content-Security-Policy", std::string(kDocsContentSecurityPolicy))
                   .with_header("Referrer-Policy", "no-referrer");
               respond(std::move(response));
             });
}

}  // namespace

std::string_view openapi_document() {
  return docs_assets::kOpenApiJson;
}

void add_docs_routes(Router& router) {
  add_static(router, "/openapi.json", "application/json; charset=utf-8", docs_assets::kOpenApiJson);
  add_static(router, "/docs", "text/html; charset=utf-8", docs_assets::kIndexHtml);
  add_static(router, "/docs/docs.js", "text/javascript; charset=utf-8", docs_assets::kDocsJs);
  add_static(router, "/docs/docs.css", "text/css; charset=utf-8", docs_assets::kDocsCss);
}

}  // namespace lantern::http
