// The API documentation served by Lantern itself (API.md section 2, "Other routes"):
//
//   GET /openapi.json    the OpenAPI 3.1 document (docs/openapi.json, byte for byte)
//   GET /docs            a page that renders it (src/http/docs_assets/index.html)
//   GET /docs/docs.js    the page's script
//   GET /docs/docs.css   the page's style sheet
//
// Everything is compiled into the binary (cmake/EmbedFile.cmake), so the docs work
// offline and match the build that serves them. The page loads nothing from other
// hosts: its Content-Security-Policy allows only this origin ('self').
//
// Handlers answer synchronously from static data; safe on any thread.
#pragma once

#include <string_view>

#include "http/router.h"

namespace lantern::http {

void add_docs_routes(Router& router);

// The embedded OpenAPI document (what GET /openapi.json answers).
std::string_view openapi_document();

// The Content-Security-Policy of the docs page and its assets.
inline constexpr std::string_view kDocsContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

}  // namespace lantern::http
