// Lantern's metrics: GET /metrics and the instruments the app feeds
// (names, types and labels are documented in docs/metrics.md).
//
//  * add_metrics_routes() serves Metrics::render() as Prometheus text 0.0.4.
//  * HttpMetrics is the Server's RequestObserver: requests by bounded route
//    label, method and status, and a latency histogram per route.
//  * EventMetrics counts gateway dispatches per type; StorageMetrics counts
//    storage operations by operation and result and observes database latency.
//
// Every instrument registers its families in the constructor (so they appear on
// /metrics before the first sample) and may then be used from any thread.
// The Metrics registry must outlive every instrument and the route.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>

#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "storage/service.h"

namespace lantern::http {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// GET /metrics: the registry's exposition text.
void add_metrics_routes(Router& router, const Metrics& metrics);

// The route label of a request path: the route pattern it belongs to, with ids
// replaced ("/api/v1/users/{id}/storage/{key}"), or "other" (unknown paths, and
// the empty path of a malformed request). Bounded: one of kRouteLabels. Pure;
// any thread.
std::string_view route_label(std::string_view path);

inline constexpr std::array<std::string_view, 13> kRouteLabels = {
    "/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/docs",
    "/openapi.json",
    "/socket",
    "/api/v1/users",
    "/api/v1/users/{id}",
    "/api/v1/users/{id}/storage",
    "/api/v1/users/{id}/storage/{key}",
    "/docs/{asset}",
    "other",
};

// lantern_http_requests_total{route,method,status} and
// lantern_http_request_duration_seconds{route} (RequestRecord::duration: from
// the request having been read to its response being handed to the socket).
//
// observe() is lock-free once a (route, method, status) triple has been seen:
// the counter is resolved through the family on first use and cached in an
// atomic slot. Statuses outside the cached set (unusual ones) go through the
// family's mutex every time.
class HttpMetrics {
 public:
  explicit HttpMetrics(Metrics& metrics);

  HttpMetrics(const HttpMetrics&) = delete;
  HttpMetrics& operator=(const HttpMetrics&) = delete;

  // Any thread (the Server calls it on connection strands).
  void observe(const RequestRecord& record);
  // An observer for the Server that calls observe(); `this` must outlive it.
  RequestObserver observer();

 private:
  static constexpr std::array<unsigned, 14> kCachedStatuses = {200, 204, 304, 400, 401, 403, 404,
                                                               405, 408, 413, 429, 431, 500, 503};
  static constexpr std::size_t kMethods = 8;  // Method::kGet .. Method::kOther
  static constexpr std::size_t kSlots = kRouteLabels.size() * kMethods * kCachedStatuses.size();

  CounterFamily& requests_;
  std::array<Histogram*, kRouteLabels.size()> durations_{};
  std::array<std::atomic<Counter*>, kSlots> slots_{};
};

// lantern_gateway_events_total{type}: dispatches received from Discord by
// type. Resolve counter() once per type and keep the reference; count() looks
// the type up every time (the family's mutex). The family keeps at most 64
// types; more are counted as type="other".
class EventMetrics {
 public:
  explicit EventMetrics(Metrics& metrics);
  Counter& counter(std::string_view type) { return family_.labels({type}); }
  void count(std::string_view type) { counter(type).inc(); }

 private:
  CounterFamily& family_;
};

// lantern_kv_operations_total{op,result} and
// lantern_database_operation_duration_seconds{op}.
//
// observe() is storage::Service's on_operation hook: `op` is the operation's
// name (storage::operation_name(Operation): "put", "get_value", "authenticate", ...),
// `result` the outcome's label (result_label). Lock-free once an (op, result)
// pair has been seen (the series is cached in an atomic slot, as in
// HttpMetrics). The constructor registers result="ok" and result="error" of
// every operation, so that they show 0 before the first one. Any thread.
class StorageMetrics {
 public:
  explicit StorageMetrics(Metrics& metrics);

  StorageMetrics(const StorageMetrics&) = delete;
  StorageMetrics& operator=(const StorageMetrics&) = delete;

  // One operation answered; `status` nullopt: refused, the queue was full.
  void observe(storage::Operation operation, std::optional<storage::Status> status);
  // One operation answered, by label values (for outcomes outside the closed sets).
  void count(std::string_view op, std::string_view result) {
    operations_.labels({op, result}).inc();
  }
  // Time the database spent on one operation (or one group commit).
  void observe_latency(std::string_view op, std::chrono::nanoseconds duration) {
    latency_.labels({op}).observe(std::chrono::duration<double>(duration).count());
  }

  // "ok", "no_storage", "not_found", "rejected" (kInvalid: a key or value
  // breaks a rule), "full", "unauthorized", "error"; "busy" for nullopt.
  static std::string_view result_label(std::optional<storage::Status> status);

 private:
  static constexpr std::size_t kResults = 8;  // the 7 statuses and "busy"

  // The series of (operation, status), resolved once and cached.
  Counter& observe_slot(storage::Operation operation, std::optional<storage::Status> status);

  CounterFamily& operations_;
  HistogramFamily& latency_;
  std::array<std::atomic<Counter*>, storage::kOperationCount * kResults> slots_{};
};

}  // namespace lantern::http
