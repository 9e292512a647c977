// GET /openapi.json and GET /docs through a real HTTP server on loopback: the
// document is the committed docs/openapi.json, and the page with its assets is
// served by Lantern alone (nothing from other hosts) under a CSP allowing only
// 'self'.
#include "http/docs_routes.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "http/router.h"
#include "http/server.h"
#include "loopback_server.h"
#include "testing/http_client.h"

namespace lantern::http {
namespace {

using testing::http_request;
using testing::HttpResult;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Runs `command` (stderr folded into stdout); returns the exit status and output.
int run(const std::string& command, std::string& output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::optional<std::string> find_chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    std::string ignored;
    if (run(std::string("command -v ") + name, ignored) == 0) return name;
  }
  return std::nullopt;
}

class DocsRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    add_docs_routes(router_);
    server_ = std::make_unique<LoopbackServer>(router_);
  }

  void TearDown() override { server_.reset(); }

  HttpResult get(const std::string& target) { return http_request(server_->port(), "GET", target); }

  Router router_;
  std::unique_ptr<LoopbackServer> server_;
};

TEST_F(DocsRoutesTest, OpenApiJsonIsTheCommittedDocument) {
  const HttpResult result = get("/openapi.json");
  ASSERT_EQ(result.status, 200u) << result.error;
  EXPECT_EQ(result.header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(result.header("access-control-allow-origin"), "*");
  const std::string committed =
      read_file(std::filesystem::path(LANTERN_SOURCE_DIR) / "docs" / "openapi.json");
  ASSERT_FALSE(committed.empty());
  EXPECT_EQ(result.body, committed) << "rebuild: the embedded document is stale";
  boost::system::error_code ec;
  const auto served = boost::json::parse(result.body, ec);
  ASSERT_FALSE(ec) << "not JSON: " << ec.message();
  EXPECT_EQ(served, boost::json::parse(committed));
  EXPECT_EQ(served.at("openapi"), "3.1.0");
  EXPECT_EQ(openapi_document(), committed);
}

TEST_F(DocsRoutesTest, DocsPageAndAssetsAreServedWithAStrictPolicy) {
  const struct {
    const char* target;
    const char* content_type;
  } files[] = {{"/docs", "text/html; charset=utf-8"},
               {"/docs/docs.js", "text/javascript; charset=utf-8"},
               {"/docs/docs.css", "text/css; charset=utf-8"}};
  for (const auto& file : files) {
    SCOPED_TRACE(file.target);
    const HttpResult result = get(file.target);
    ASSERT_EQ(result.status, 200u) << result.error;
    EXPECT_EQ(result.header("content-type"), file.content_type);
    EXPECT_EQ(result.header("content-security-policy"), kDocsContentSecurityPolicy);
    EXPECT_EQ(result.header("x-content-type-options"), "nosniff");
    EXPECT_FALSE(result.body.empty());
  }
  // Every fetch directive is 'none' or 'self' (plus data: images): no other host.
  const std::string policy(kDocsContentSecurityPolicy);
  EXPECT_NE(policy.find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(policy.find("http"), std::string::npos);
  EXPECT_EQ(policy.find("unsafe"), std::string::npos);
  EXPECT_EQ(policy.find('*'), std::string::npos);
}

TEST_F(DocsRoutesTest, DocsReferenceNothingExternal) {
  const HttpResult page = get("/docs");
  ASSERT_EQ(page.status, 200u);
  // Every src/href of the page is a path on this server (or a fragment), and it is served.
  const std::regex reference(R"re((src|href|action)\s*=\s*["']?([^"'\s>]*))re", std::regex::icase);
  int references = 0;
  for (auto it = std::sregex_iterator(page.body.begin(), page.body.end(), reference);
       it != std::sregex_iterator(); ++it) {
    const std::string url = (*it)[2];
    SCOPED_TRACE(url);
    ++references;
    ASSERT_FALSE(url.empty());
    EXPECT_TRUE((url[0] == '/' && !url.starts_with("//")) || url[0] == '#');
    if (url[0] == '/') {
      EXPECT_EQ(get(url).status, 200u);
    }
  }
  EXPECT_GE(references, 3);  // the script, the style sheet, the document

  // No absolute or protocol-relative URL anywhere in the page, its script or style
  // sheet, and nothing that imports or loads from elsewhere.
  const std::regex external(R"re(https?:|//[A-Za-z0-9.-]+\.[A-Za-z]|@import|url\()re",
                            std::regex::icase);
  for (const char* target : {"/docs", "/docs/docs.js", "/docs/docs.css"}) {
    SCOPED_TRACE(target);
    const std::string body = get(target).body;
    std::smatch match;
    EXPECT_FALSE(std::regex_search(body, match, external)) << "found " << match.str(0);
  }
  // The script reads the document from this server.
  EXPECT_NE(get("/docs/docs.js").body.find(R"(fetch("/openapi.json")"), std::string::npos);
}

TEST_F(DocsRoutesTest, HeadAndOtherMethods) {
  const HttpResult head = http_request(server_->port(), "HEAD", "/docs");
  EXPECT_EQ(head.status, 200u);
  EXPECT_TRUE(head.body.empty());
  const HttpResult post = http_request(server_->port(), "POST", "/openapi.json");
  EXPECT_EQ(post.status, 405u);
  EXPECT_EQ(post.header("allow"), "GET, HEAD, OPTIONS");
}

// The page really renders the document under its CSP with nothing but this server
// (the only host the browser can reach here is 127.0.0.1).
TEST_F(DocsRoutesTest, DocsPageRendersInAHeadlessBrowser) {
  const auto chromium = find_chromium();
  ASSERT_TRUE(chromium) << "chromium is not installed: run scripts/install-test-tools.sh";
  char dir_template[] = "/tmp/lantern-docs-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  std::string dom;
  const int status =
      run("timeout 180 " + *chromium +
              " --headless --no-sandbox --disable-gpu --disable-background-networking"
              " --disable-component-update --disable-sync --no-first-run --enable-logging=stderr"
              " --user-data-dir=" +
              dir +
              "/profile --virtual-time-budget=20000 --dump-dom"
              " http://127.0.0.1:" +
              std::to_string(server_->port()) + "/docs",
          dom);
  std::filesystem::remove_all(dir);
  ASSERT_EQ(status, 0) << dom;
  // Operations, parameters and schemas were rendered from /openapi.json.
  EXPECT_NE(dom.find(R"(id="op-getUser")"), std::string::npos) << dom;
  EXPECT_NE(dom.find(R"(id="op-putStorageValue")"), std::string::npos);
  EXPECT_NE(dom.find(R"(id="schema-UserData")"), std::string::npos);
  EXPECT_NE(dom.find("noActivityMessage"), std::string::npos);
  EXPECT_NE(dom.find("Key theme does not exist in the storage."), std::string::npos);
  EXPECT_EQ(dom.find("Could not render"), std::string::npos);
  EXPECT_EQ(dom.find("Refused to"), std::string::npos) << "CSP violation";
}

}  // namespace
}  // namespace lantern::http
