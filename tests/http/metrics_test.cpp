// The metrics registry and its Prometheus text rendering, the route labels, the
// request observer, and /metrics on a real server (with the rate limiter in
// front of an API route).
#include "http/metrics.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http/metrics_routes.h"
#include "http/rate_limit.h"
#include "http/router.h"
#include "http/server.h"
#include "loopback_server.h"
#include "testing/http_client.h"

namespace lantern::http {
namespace {

TEST(MetricsFormat, CounterGolden) {
  Metrics metrics;
  auto& family = metrics.counter_family("lantern_test_total", "Things counted.", {"kind", "code"});
  family.labels({"b", "200"}).inc(3);
  family.labels({"a", "404"}).inc();
  metrics.counter("lantern_plain_total", "No labels.").inc(7);
  EXPECT_EQ(metrics.render(),
            "# HELP lantern_test_total Things counted.\n"
            "# TYPE lantern_test_total counter\n"
            "lantern_test_total{kind=\"a\",code=\"404\"} 1\n"
            "lantern_test_total{kind=\"b\",code=\"200\"} 3\n"
            "# HELP lantern_plain_total No labels.\n"
            "# TYPE lantern_plain_total counter\n"
            "lantern_plain_total 7\n");
}

TEST(MetricsFormat, GaugeGolden) {
  Metrics metrics;
  auto& gauge = metrics.gauge("lantern_level", "A level.");
  gauge.set(2.5);
  gauge.add(1);
  gauge.sub(0.25);
  metrics.gauge_family("lantern_temp", "Temperatures.", {"room"}).labels({"x"}).set(-3);
  metrics.gauge_callback("lantern_cb", "From a callback.", [] { return 0.125; });
  metrics.counter_callback("lantern_cb_total", "Counter from a callback.", [] { return 42.0; });
  EXPECT_EQ(metrics.render(),
            "# HELP lantern_level A level.\n"
            "# TYPE lantern_level gauge\n"
            "lantern_level 3.25\n"
            "# HELP lantern_temp Temperatures.\n"
            "# TYPE lantern_temp gauge\n"
            "lantern_temp{room=\"x\"} -3\n"
            "# HELP lantern_cb From a callback.\n"
            "# TYPE lantern_cb gauge\n"
            "lantern_cb 0.125\n"
            "# HELP lantern_cb_total Counter from a callback.\n"
            "# TYPE lantern_cb_total counter\n"
            "lantern_cb_total 42\n");
}

TEST(MetricsFormat, HistogramGolden) {
  Metrics metrics;
  auto& family =
      metrics.histogram_family("lantern_latency_seconds", "Latency.", {"route"}, {0.25, 0.5, 1});
  auto& h = family.labels({"/x"});
  h.observe(0.125);  // first bucket
  h.observe(0.5);    // exactly a bound: counted in that bucket (le is inclusive)
  h.observe(0.75);
  h.observe(3);  // only +Inf
  EXPECT_EQ(metrics.render(),
            "# HELP lantern_latency_seconds Latency.\n"
            "# TYPE lantern_latency_seconds histogram\n"
            "lantern_latency_seconds_bucket{route=\"/x\",le=\"0.25\"} 1\n"
            "lantern_latency_seconds_bucket{route=\"/x\",le=\"0.5\"} 2\n"
            "lantern_latency_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"
            "lantern_latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"
            "lantern_latency_seconds_sum{route=\"/x\"} 4.375\n"
            "lantern_latency_seconds_count{route=\"/x\"} 4\n");
}

TEST(MetricsFormat, UnlabeledHistogramGolden) {
  Metrics metrics;
  auto& h = metrics.histogram("lantern_h", "H.", {1, 2});
  h.observe(2);
  h.observe(std::numeric_limits<double>::quiet_NaN());  // ignored
  EXPECT_EQ(metrics.render(),
            "# HELP lantern_h H.\n"
            "# TYPE lantern_h histogram\n"
            "lantern_h_bucket{le=\"1\"} 0\n"
            "lantern_h_bucket{le=\"2\"} 1\n"
            "lantern_h_bucket{le=\"+Inf\"} 1\n"
            "lantern_h_sum 2\n"
            "lantern_h_count 1\n");
}

TEST(MetricsFormat, EmptyFamilyHasHeaderOnly) {
  Metrics metrics;
  metrics.counter_family("lantern_none_total", "Nothing yet.", {"a"});
  EXPECT_EQ(metrics.render(),
            "# HELP lantern_none_total Nothing yet.\n# TYPE lantern_none_total counter\n");
}

TEST(MetricsFormat, LabelValuesAndHelpAreEscaped) {
  Metrics metrics;
  metrics.counter_family("lantern_esc_total", "Line one\nback\\slash \"quoted\"", {"v"})
      .labels({"a\"b\\c\nd"})
      .inc();
  EXPECT_EQ(metrics.render(),
            "# HELP lantern_esc_total Line one\\nback\\\\slash \"quoted\"\n"
            "# TYPE lantern_esc_total counter\n"
            "lantern_esc_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
  EXPECT_EQ(escape_label_value("plain"), "plain");
  EXPECT_EQ(escape_label_value("\\"), "\\\\");
  EXPECT_EQ(escape_label_value("\""), "\\\"");
  EXPECT_EQ(escape_label_value("\n"), "\\n");
  EXPECT_EQ(escape_help("a\"b\\c\nd"), "a\"b\\\\c\\nd") << "HELP keeps quotes as they are";
}

TEST(MetricsFormat, Values) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(12), "12");
  EXPECT_EQ(format_value(-4), "-4");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(0.001), "0.001");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(std::stod(format_value(1e-5)), 1e-5);
}

TEST(MetricsRegistry, SameDefinitionReturnsSameFamilyConflictsThrow) {
  Metrics metrics;
  auto& a = metrics.counter_family("lantern_x_total", "X.", {"a"});
  auto& b = metrics.counter_family("lantern_x_total", "X.", {"a"});
  EXPECT_EQ(&a, &b);
  EXPECT_THROW(metrics.counter_family("lantern_x_total", "X.", {"b"}), std::invalid_argument);
  EXPECT_THROW(metrics.gauge_family("lantern_x_total", "X.", {"a"}), std::invalid_argument);
  EXPECT_THROW(metrics.counter_family("lantern_x_total", "Other help.", {"a"}),
               std::invalid_argument);
  EXPECT_THROW(metrics.gauge_callback("lantern_x_total", "X.", [] { return 1.0; }),
               std::invalid_argument);
  metrics.histogram_family("lantern_h", "H.", {}, {1, 2});
  EXPECT_THROW(metrics.histogram_family("lantern_h", "H.", {}, {1, 3}), std::invalid_argument);
}

TEST(MetricsRegistry, InvalidDefinitionsThrow) {
  Metrics metrics;
  EXPECT_THROW(metrics.counter("0starts_with_digit", "."), std::invalid_argument);
  EXPECT_THROW(metrics.counter("has-dash", "."), std::invalid_argument);
  EXPECT_THROW(metrics.counter("", "."), std::invalid_argument);
  EXPECT_THROW(metrics.counter_family("ok_total", ".", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(metrics.counter_family("ok_total", ".", {"a", "a"}), std::invalid_argument);
  EXPECT_THROW(metrics.counter_family("ok_total", ".", {"bad:colon"}), std::invalid_argument);
  EXPECT_THROW(metrics.histogram_family("h1", ".", {"le"}, {1}), std::invalid_argument);
  EXPECT_THROW(metrics.histogram("h2", ".", {}), std::invalid_argument);
  EXPECT_THROW(metrics.histogram("h3", ".", {2, 1}), std::invalid_argument);
  EXPECT_THROW(metrics.histogram("h4", ".", {1, 1}), std::invalid_argument);
  EXPECT_THROW(metrics.histogram("h5", ".", {1, std::numeric_limits<double>::infinity()}),
               std::invalid_argument);
  auto& family = metrics.counter_family("two_total", ".", {"a", "b"});
  EXPECT_THROW(family.labels({"only one"}), std::invalid_argument);
  EXPECT_NO_THROW(metrics.counter("ns:name_total", "."));
}

TEST(MetricsRegistry, SeriesAreBoundedWithAnOverflowSeries) {
  Metrics metrics;
  auto& family = metrics.counter_family("lantern_bounded_total", "B.", {"k"}, /*max_series=*/4);
  for (int i = 0; i < 100; ++i) family.labels({std::to_string(i)}).inc();
  const std::string text = metrics.render();
  std::size_t samples = 0;
  for (std::size_t pos = 0; (pos = text.find("lantern_bounded_total{", pos)) != std::string::npos;
       ++pos) {
    ++samples;
  }
  EXPECT_EQ(samples, 4u);
  EXPECT_NE(text.find("lantern_bounded_total{k=\"other\"} 97\n"), std::string::npos) << text;
  // An existing series is still found after the bound is reached.
  family.labels({"0"}).inc();
  EXPECT_NE(metrics.render().find("lantern_bounded_total{k=\"0\"} 2\n"), std::string::npos);
}

TEST(MetricsRegistry, ConcurrentRecordingIsExact) {
  Metrics metrics;
  auto& family = metrics.counter_family("lantern_c_total", "C.", {"t"});
  auto& shared = metrics.counter("lantern_shared_total", "S.");
  auto& gauge = metrics.gauge("lantern_g", "G.");
  auto& histogram = metrics.histogram("lantern_hist", "H.", {1, 10});
  constexpr int kThreads = 8;
  constexpr int kIterations = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIterations; ++i) {
        shared.inc();
        family.labels({std::to_string(i % 4)}).inc();  // concurrent lookups and creation
        gauge.add(1);
        histogram.observe(t % 2 == 0 ? 0.5 : 5);
        if (i % 1000 == 0) (void)metrics.render();  // scrapes while recording
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(shared.value(), std::uint64_t{kThreads} * kIterations);
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(family.labels({std::to_string(k)}).value(),
              std::uint64_t{kThreads} * kIterations / 4);
  }
  EXPECT_EQ(gauge.value(), double{kThreads} * kIterations);
  const auto snapshot = histogram.snapshot();
  ASSERT_EQ(snapshot.cumulative.size(), 3u);
  EXPECT_EQ(snapshot.cumulative[0], std::uint64_t{kThreads / 2} * kIterations);
  EXPECT_EQ(snapshot.cumulative[1], std::uint64_t{kThreads} * kIterations);
  EXPECT_EQ(snapshot.count, std::uint64_t{kThreads} * kIterations);
  EXPECT_EQ(snapshot.sum, (0.5 + 5) * (kThreads / 2) * kIterations);
}

TEST(RouteLabel, MapsPathsToBoundedPatterns) {
  EXPECT_EQ(route_label("/"), "/");
  EXPECT_EQ(route_label("//"), "/");
  EXPECT_EQ(route_label(""), "other");  // malformed requests have no path
  EXPECT_EQ(route_label("/healthz"), "/healthz");
  EXPECT_EQ(route_label("/readyz"), "/readyz");
  EXPECT_EQ(route_label("/metrics"), "/metrics");
  EXPECT_EQ(route_label("/docs"), "/docs");
  EXPECT_EQ(route_label("/docs/docs.js"), "/docs/{asset}");
  EXPECT_EQ(route_label("/openapi.json"), "/openapi.json");
  EXPECT_EQ(route_label("/socket"), "/socket");
  EXPECT_EQ(route_label("/api/v1/users"), "/api/v1/users");
  EXPECT_EQ(route_label("/api/v1/users/"), "/api/v1/users");
  EXPECT_EQ(route_label("/api/v1/users/333333333333333333"), "/api/v1/users/{id}");
  EXPECT_EQ(route_label("/api/v1/users/anything"), "/api/v1/users/{id}");
  EXPECT_EQ(route_label("/api/v1/users/1/storage"), "/api/v1/users/{id}/storage");
  EXPECT_EQ(route_label("/api/v1/users/1/storage/key"), "/api/v1/users/{id}/storage/{key}");
  EXPECT_EQ(route_label("/api/v1/users/1/other"), "other");
  EXPECT_EQ(route_label("/api/v1/users/1/storage/key/extra"), "other");
  EXPECT_EQ(route_label("/api/v2/users"), "other");
  EXPECT_EQ(route_label("/wp-admin/setup.php"), "other");
  EXPECT_EQ(route_label("/a/b/c/d/e/f/g/h/i"), "other");

  // Whatever the path, the label is one of the closed set.
  std::set<std::string_view> seen;
  for (int i = 0; i < 5000; ++i) {
    std::string path = "/";
    for (int j = 0; j <= i % 7; ++j)
      path += (j == 0 && i % 3 == 0 ? "api" : std::to_string(i * j)) + "/";
    seen.insert(route_label(path));
  }
  for (auto label : seen) {
    EXPECT_NE(std::find(kRouteLabels.begin(), kRouteLabels.end(), label), kRouteLabels.end());
  }
}

TEST(HttpMetrics, RecordsRouteMethodStatusAndLatency) {
  Metrics metrics;
  HttpMetrics http(metrics);
  auto observe = http.observer();
  observe({Method::kGet, "/api/v1/users/333333333333333333", 200, std::chrono::microseconds(1500)});
  observe({Method::kGet, "/api/v1/users/444444444444444444", 200, std::chrono::microseconds(500)});
  observe({Method::kPut, "/api/v1/users/1/storage/k", 401, std::chrono::microseconds(100)});
  observe({Method::kGet, "/nope", 404, std::chrono::microseconds(100)});
  observe({Method::kGet, "/nope", 418, std::chrono::microseconds(100)});  // uncached status
  observe({Method::kGet, "/nope", 418, std::chrono::microseconds(100)});
  const std::string text = metrics.render();
  EXPECT_NE(text.find("lantern_http_requests_total{route=\"/api/v1/users/{id}\",method=\"GET\","
                      "status=\"200\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lantern_http_requests_total{route=\"/api/v1/users/{id}/storage/{key}\","
                      "method=\"PUT\",status=\"401\"} 1\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("lantern_http_requests_total{route=\"other\",method=\"GET\",status=\"404\"} 1\n"),
      std::string::npos);
  EXPECT_NE(
      text.find("lantern_http_requests_total{route=\"other\",method=\"GET\",status=\"418\"} 2\n"),
      std::string::npos);
  EXPECT_NE(text.find("lantern_http_request_duration_seconds_bucket{route=\"/api/v1/users/{id}\","
                      "le=\"0.001\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("lantern_http_request_duration_seconds_bucket{route=\"/api/v1/users/{id}\","
                      "le=\"0.0025\"} 2\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("lantern_http_request_duration_seconds_count{route=\"/api/v1/users/{id}\"} 2\n"),
      std::string::npos);
  EXPECT_EQ(text.find("333333333333333333"), std::string::npos);  // no ids in labels
}

TEST(HttpMetrics, ConcurrentObservationsAreExact) {
  Metrics metrics;
  HttpMetrics http(metrics);
  constexpr int kThreads = 8;
  constexpr int kIterations = 10000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIterations; ++i) {
        http.observe({Method::kGet, "/api/v1/users/" + std::to_string(t * kIterations + i),
                      i % 2 == 0 ? 200u : 404u, std::chrono::microseconds(10)});
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const std::string text = metrics.render();
  const std::string each = std::to_string(kThreads * kIterations / 2);
  EXPECT_NE(text.find("route=\"/api/v1/users/{id}\",method=\"GET\",status=\"200\"} " + each + "\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("route=\"/api/v1/users/{id}\",method=\"GET\",status=\"404\"} " + each + "\n"),
            std::string::npos);
}

TEST(AppInstruments, EventsAndStorage) {
  Metrics metrics;
  EventMetrics events(metrics);
  StorageMetrics storage(metrics);
  auto& presence = events.counter("PRESENCE_UPDATE");
  presence.inc();
  presence.inc();
  events.count("GUILD_MEMBER_ADD");
  storage.count("put", "ok");
  storage.count("put", "full");
  storage.observe_latency("put", std::chrono::milliseconds(3));
  const std::string text = metrics.render();
  EXPECT_NE(text.find("lantern_gateway_events_total{type=\"PRESENCE_UPDATE\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lantern_gateway_events_total{type=\"GUILD_MEMBER_ADD\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("lantern_kv_operations_total{op=\"put\",result=\"full\"} 1\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("lantern_database_operation_duration_seconds_bucket{op=\"put\",le=\"0.0025\"} 0\n"),
      std::string::npos);
  EXPECT_NE(
      text.find("lantern_database_operation_duration_seconds_bucket{op=\"put\",le=\"0.005\"} 1\n"),
      std::string::npos);
}

// Storage operations: "ok" and "error" of every operation show 0 from the
// start; outcomes are labelled by result_label, a refusal as "busy".
TEST(AppInstruments, StorageOperationsByOperationAndResult) {
  Metrics metrics;
  StorageMetrics storage(metrics);
  std::string text = metrics.render();
  for (const std::string_view op :
       {"create_or_replace_token", "authenticate", "get_value", "put", "purge_expired"}) {
    for (const std::string_view result : {"ok", "error"}) {
      const std::string series = "lantern_kv_operations_total{op=\"" + std::string(op) +
                                 "\",result=\"" + std::string(result) + "\"} 0\n";
      EXPECT_NE(text.find(series), std::string::npos) << series;
    }
  }
  EXPECT_EQ(text.find("result=\"busy\""), std::string::npos);

  using storage::Operation;
  using storage::Status;
  storage.observe(Operation::kPut, Status::kOk);
  storage.observe(Operation::kPut, Status::kOk);
  storage.observe(Operation::kPut, Status::kInvalid);
  storage.observe(Operation::kPatch, Status::kFull);
  storage.observe(Operation::kDeleteKey, Status::kNotFound);
  storage.observe(Operation::kAuthenticate, Status::kUnauthorized);
  storage.observe(Operation::kGetPairs, Status::kNoStorage);
  storage.observe(Operation::kClearPairs, Status::kError);
  storage.observe(Operation::kReset, std::nullopt);
  text = metrics.render();
  for (const std::string_view series : {
           R"(lantern_kv_operations_total{op="put",result="ok"} 2)",
           R"(lantern_kv_operations_total{op="put",result="rejected"} 1)",
           R"(lantern_kv_operations_total{op="patch",result="full"} 1)",
           R"(lantern_kv_operations_total{op="delete_key",result="not_found"} 1)",
           R"(lantern_kv_operations_total{op="authenticate",result="unauthorized"} 1)",
           R"(lantern_kv_operations_total{op="get_pairs",result="no_storage"} 1)",
           R"(lantern_kv_operations_total{op="clear_pairs",result="error"} 1)",
           R"(lantern_kv_operations_total{op="reset",result="busy"} 1)",
           R"(lantern_kv_operations_total{op="reset",result="ok"} 0)",
       }) {
    EXPECT_NE(text.find(std::string(series) + "\n"), std::string::npos) << series << "\n" << text;
  }
}

// ---- a real server ------------------------------------------------------------

class MetricsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_.add(Method::kGet, "/api/v1/users/{}", [](const Request& request, Respond respond) {
      respond(json_body("{\"id\":\"" + request.path_params.at(0) + "\"}"));
    });
    mount_rate_limited(router_, api_, limiter_, {"/api/v1/users/{}"},
                       &metrics_.counter("lantern_http_rate_limited_total", "429s."));
    add_metrics_routes(router_, metrics_);
    metrics_.gauge_callback("lantern_rate_limit_addresses", "Tracked.",
                            [this] { return static_cast<double>(limiter_.tracked()); });
    server_ = std::make_unique<LoopbackServer>(
        router_, LoopbackOptions{.trust_proxy = false, .observer = http_.observer()});
  }

  void TearDown() override { server_.reset(); }

  testing::HttpResult get(const std::string& target) {
    return testing::http_request(server_->port(), "GET", target);
  }

  Metrics metrics_;
  HttpMetrics http_{metrics_};
  RateLimiter limiter_{RateLimitOptions{.enabled = true, .requests_per_second = 0.001, .burst = 2},
                       [] { return RateLimiter::Clock::time_point{}; }};  // time stands still
  Router api_;
  Router router_;
  std::unique_ptr<LoopbackServer> server_;
};

TEST_F(MetricsServerTest, ServesMetricsAndRateLimits) {
  const auto first = get("/api/v1/users/333333333333333333");
  EXPECT_EQ(first.status, 200u);
  EXPECT_EQ(first.body, "{\"id\":\"333333333333333333\"}");
  EXPECT_EQ(first.header("x-ratelimit-limit"), "2");
  EXPECT_EQ(first.header("x-ratelimit-remaining"), "1");
  EXPECT_EQ(get("/api/v1/users/444444444444444444").status, 200u);
  const auto limited = get("/api/v1/users/555555555555555555");
  EXPECT_EQ(limited.status, 429u);
  EXPECT_EQ(limited.body, "{\"error\":\"You are being rate limited.\"}");
  EXPECT_EQ(limited.header("retry-after"), "1000");  // one token per 1000 s
  EXPECT_EQ(limited.header("x-ratelimit-remaining"), "0");
  EXPECT_EQ(limited.header("x-ratelimit-reset"), "2000");
  EXPECT_EQ(get("/unknown").status, 404u);  // not behind the limiter
  EXPECT_EQ(get("/unknown").status, 404u);

  const auto scrape = get("/metrics");
  ASSERT_EQ(scrape.status, 200u);
  EXPECT_EQ(scrape.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = scrape.body;
  EXPECT_NE(text.find("# TYPE lantern_http_requests_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lantern_http_requests_total{route=\"/api/v1/users/{id}\",method=\"GET\","
                      "status=\"200\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lantern_http_requests_total{route=\"/api/v1/users/{id}\",method=\"GET\","
                      "status=\"429\"} 1\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("lantern_http_requests_total{route=\"other\",method=\"GET\",status=\"404\"} 2\n"),
      std::string::npos);
  EXPECT_NE(
      text.find("lantern_http_request_duration_seconds_count{route=\"/api/v1/users/{id}\"} 3\n"),
      std::string::npos);
  EXPECT_NE(text.find("lantern_http_rate_limited_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("lantern_rate_limit_addresses 1\n"), std::string::npos);
  // The scrape itself is recorded once it has been answered.
  EXPECT_NE(
      get("/metrics")
          .body.find(
              "lantern_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"200\"} 1\n"),
      std::string::npos);
}

}  // namespace
}  // namespace lantern::http
