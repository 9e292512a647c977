#include "http/metrics_routes.h"

#include <algorithm>
#include <string>
#include <utility>

#include "http/path_segments.h"

namespace lantern::http {
namespace {

constexpr std::size_t kOtherRoute = kRouteLabels.size() - 1;

std::size_t route_index(std::string_view path) {
  std::array<std::string_view, 6> segments{};  // no route has more; no allocation per request
  std::size_t count = 0;
  const bool fits = for_each_segment(path, [&](std::string_view segment) {
    if (count == segments.size()) return false;
    segments[count++] = segment;
    return true;
  });
  if (!fits) return kOtherRoute;
  auto index_of = [](std::string_view label) {
    return static_cast<std::size_t>(std::find(kRouteLabels.begin(), kRouteLabels.end(), label) -
                                    kRouteLabels.begin());
  };
  // An empty path is a request the server could not parse (malformed HTTP).
  if (count == 0) return path.empty() ? kOtherRoute : index_of("/");
  if (count == 1) {
    // The one-segment literal labels ("/healthz" ... "/socket").
    for (std::size_t i = 1; i <= index_of("/socket"); ++i) {
      if (kRouteLabels[i].substr(1) == segments[0]) return i;
    }
    return kOtherRoute;
  }
  if (count == 2 && segments[0] == "docs") return index_of("/docs/{asset}");
  if (count < 3 || segments[0] != "api" || segments[1] != "v1" || segments[2] != "users") {
    return kOtherRoute;
  }
  switch (count) {
    case 3:
      return index_of("/api/v1/users");
    case 4:
      return index_of("/api/v1/users/{id}");
    case 5:
      return segments[4] == "storage" ? index_of("/api/v1/users/{id}/storage") : kOtherRoute;
    case 6:
      return segments[4] == "storage" ? index_of("/api/v1/users/{id}/storage/{key}") : kOtherRoute;
    default:
      return kOtherRoute;
  }
}

}  // namespace

std::string_view route_label(std::string_view path) {
  return kRouteLabels[route_index(path)];
}

void add_metrics_routes(Router& router, const Metrics& metrics) {
  router.add(Method::kGet, "/metrics", [&metrics](const Request&, Respond respond) {
    Response response;
    response.content_type = std::string(kMetricsContentType);
    response.body = metrics.render();
    response.with_header("Cache-Control", "no-store");
    respond(std::move(response));
  });
}

// ---- HttpMetrics ----------------------------------------------------------------

HttpMetrics::HttpMetrics(Metrics& metrics)
    : requests_(metrics.counter_family(
          "lantern_http_requests_total",
          "HTTP requests answered, by route pattern, method and status code.",
          {"route", "method", "status"}, /*max_series=*/2000)) {
  auto& durations = metrics.histogram_family(
      "lantern_http_request_duration_seconds",
      "Time from a request's arrival to its response being queued, by route pattern.", {"route"},
      Metrics::latency_buckets());
  for (std::size_t i = 0; i < kRouteLabels.size(); ++i) {
    durations_[i] = &durations.labels({kRouteLabels[i]});
  }
}

void HttpMetrics::observe(const RequestRecord& record) {
  const std::size_t route = route_index(record.path);
  const auto method = std::min(static_cast<std::size_t>(record.method), kMethods - 1);
  durations_[route]->observe(std::chrono::duration<double>(record.duration).count());

  const auto cached = std::find(kCachedStatuses.begin(), kCachedStatuses.end(), record.status);
  auto resolve = [&] {
    const std::string status = std::to_string(record.status);
    return &requests_.labels({kRouteLabels[route], to_string(record.method), status});
  };
  if (cached == kCachedStatuses.end()) {
    resolve()->inc();
    return;
  }
  auto& slot = slots_[(route * kMethods + method) * kCachedStatuses.size() +
                      static_cast<std::size_t>(cached - kCachedStatuses.begin())];
  Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    // Two threads may both resolve; the family returns the same series to both.
    counter = resolve();
    slot.store(counter, std::memory_order_release);
  }
  counter->inc();
}

RequestObserver HttpMetrics::observer() {
  return [this](const RequestRecord& record) { observe(record); };
}

// ---- EventMetrics, StorageMetrics ---------------------------------------------------

EventMetrics::EventMetrics(Metrics& metrics)
    : family_(metrics.counter_family("lantern_gateway_events_total",
                                     "Gateway dispatches received from Discord, by event type.",
                                     {"type"}, /*max_series=*/64)) {}

StorageMetrics::StorageMetrics(Metrics& metrics)
    : operations_(metrics.counter_family("lantern_kv_operations_total",
                                         "Storage operations answered, by operation and result.",
                                         {"op", "result"}, /*max_series=*/256)),
      latency_(
          metrics.histogram_family("lantern_database_operation_duration_seconds",
                                   "Time the database spent on a storage operation, by operation.",
                                   {"op"}, Metrics::latency_buckets(), /*max_series=*/256)) {
  for (std::size_t i = 0; i < storage::kOperationCount; ++i) {
    const auto operation = static_cast<storage::Operation>(i);
    observe_slot(operation, storage::Status::kOk);
    observe_slot(operation, storage::Status::kError);
  }
}

std::string_view StorageMetrics::result_label(std::optional<storage::Status> status) {
  if (!status) return "busy";
  switch (*status) {
    case storage::Status::kOk:
      return "ok";
    case storage::Status::kNoStorage:
      return "no_storage";
    case storage::Status::kNotFound:
      return "not_found";
    case storage::Status::kInvalid:
      return "rejected";
    case storage::Status::kFull:
      return "full";
    case storage::Status::kUnauthorized:
      return "unauthorized";
    case storage::Status::kError:
      return "error";
  }
  return "error";
}

Counter& StorageMetrics::observe_slot(storage::Operation operation,
                                      std::optional<storage::Status> status) {
  static_assert(static_cast<std::size_t>(storage::Status::kError) + 2 == kResults,
                "one slot per storage::Status, and one for \"busy\"");
  const auto op = static_cast<std::size_t>(operation);
  const std::size_t result = status ? static_cast<std::size_t>(*status) : kResults - 1;
  auto& slot = slots_[op * kResults + result];
  Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    // Two threads may both resolve; the family returns the same series to both.
    counter = &operations_.labels({storage::operation_name(operation), result_label(status)});
    slot.store(counter, std::memory_order_release);
  }
  return *counter;
}

void StorageMetrics::observe(storage::Operation operation, std::optional<storage::Status> status) {
  observe_slot(operation, status).inc();
}

}  // namespace lantern::http
