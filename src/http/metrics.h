// Metrics: a small registry of counters, gauges and histograms, rendered in the
// Prometheus text exposition format 0.0.4 (served by http/metrics_routes.h).
//
// Model
//  * A family is one metric name with its HELP text, its type and the names of
//    its labels. A family has one series per distinct tuple of label values
//    (an unlabeled metric is a family with no label names and one series).
//  * Series are created on first use and live as long as the registry, so the
//    references returned by labels()/counter()/... stay valid: resolve them once
//    (at wiring time, or lazily) and keep them for the hot path.
//  * Callback metrics (counter_callback, gauge_callback) are read at scrape time
//    from whatever owns the value (GatewayClient::status(), PresenceStore::size()).
//
// Cost: Counter::inc, Gauge::set/add and Histogram::observe are a few relaxed
// atomic operations, no lock and no allocation. labels() takes the family's own
// mutex (never a registry-wide one) and, for a new tuple, allocates the series.
//
// Cardinality: a family holds at most `max_series` series (default 1000). Label
// values beyond that bound are recorded in one overflow series whose every label
// value is "other", so a hostile or buggy label source cannot grow memory or the
// /metrics page without bound. Prefer labels from closed sets (route patterns,
// status codes, op names) anyway.
//
// Threading: every method of every class here may be called from any thread.
// render() calls the callbacks on the calling thread without holding any lock
// of the registry, so callbacks may take their own locks (but must be
// thread-safe and cheap: they run on every scrape).
//
// Errors: registering an invalid name, label name or bucket list, or a name that
// is already registered with another type, help text, label names or buckets, is
// a programming error and throws std::invalid_argument (at wiring time).
// Registering the same definition again returns the existing family.
//
// No global state: the app creates one Metrics and passes it to whoever records.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lantern::http {

// A monotonically increasing integer.
class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  void set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }
  void add(double delta) noexcept { value_.fetch_add(delta, std::memory_order_relaxed); }
  void sub(double delta) noexcept { value_.fetch_sub(delta, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Observations counted into fixed buckets (upper bounds, inclusive) plus their
// sum. A scrape reads the buckets one by one while observations continue, so a
// rendered _sum may lag its _count by the observations in flight; _count always
// equals the +Inf bucket.
class Histogram {
 public:
  // `bounds`: finite, strictly increasing (validated by the registry).
  explicit Histogram(std::span<const double> bounds);

  // Counts `value` in the first bucket whose bound is >= value (+Inf if none).
  // NaN is ignored.
  void observe(double value) noexcept;

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;
  std::span<const double> bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  // Non-cumulative counts; the last one is (bounds_.back(), +Inf).
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<double> sum_{0.0};
};

namespace metrics_detail {

// Orders label-value tuples; finds a tuple of strings by a span of string_views
// without building strings.
struct LabelsLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(
        std::begin(a), std::end(a), std::begin(b), std::end(b),
        [](std::string_view x, std::string_view y) { return x < y; });
  }
};

// The part of a family that does not depend on the series type.
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, std::string type,
             std::vector<std::string> label_names, std::size_t max_series);
  virtual ~FamilyBase() = default;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::string& type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  // Appends "# HELP", "# TYPE" and every series to `out`.
  virtual void render(std::string& out) const = 0;

 protected:
  // Label values for a new series: `values`, or the overflow tuple when full.
  std::vector<std::string> admit(std::span<const std::string_view> values,
                                 std::size_t current_series) const;
  void render_header(std::string& out) const;

  const std::string name_;
  const std::string help_;
  const std::string type_;
  const std::vector<std::string> label_names_;
  const std::size_t max_series_;
};

}  // namespace metrics_detail

// A family of series of type T (Counter, Gauge or Histogram).
template <typename T>
class Family final : public metrics_detail::FamilyBase {
 public:
  // The series for these label values (one per label name, in order; throws
  // std::invalid_argument on a count mismatch). Locks this family's mutex.
  T& labels(std::span<const std::string_view> values);
  T& labels(std::initializer_list<std::string_view> values) {
    return labels(std::span<const std::string_view>(values.begin(), values.size()));
  }

  void render(std::string& out) const override;

 private:
  friend class Metrics;
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::size_t max_series, std::vector<double> bounds);

  std::unique_ptr<T> make() const;

  const std::vector<double> bounds_;  // histograms only
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<T>, metrics_detail::LabelsLess> series_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class Metrics {
 public:
  static constexpr std::size_t kDefaultMaxSeries = 1000;

  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  CounterFamily& counter_family(std::string name, std::string help,
                                std::vector<std::string> label_names,
                                std::size_t max_series = kDefaultMaxSeries);
  GaugeFamily& gauge_family(std::string name, std::string help,
                            std::vector<std::string> label_names,
                            std::size_t max_series = kDefaultMaxSeries);
  // `bounds`: the buckets' finite upper bounds, strictly increasing; "+Inf" is
  // implied.
  HistogramFamily& histogram_family(std::string name, std::string help,
                                    std::vector<std::string> label_names,
                                    std::vector<double> bounds,
                                    std::size_t max_series = kDefaultMaxSeries);

  // Unlabeled metrics (a family without labels, and its one series).
  Counter& counter(std::string name, std::string help);
  Gauge& gauge(std::string name, std::string help);
  Histogram& histogram(std::string name, std::string help, std::vector<double> bounds);

  // Metrics read at scrape time. `read` is called from the scraping thread and
  // must be thread-safe; a counter callback must never decrease.
  void counter_callback(std::string name, std::string help, std::function<double()> read);
  void gauge_callback(std::string name, std::string help, std::function<double()> read);

  // The exposition text of every family, in registration order; series sorted
  // by label values.
  std::string render() const;

  // Buckets for request latencies in seconds: 1 ms to 10 s.
  static std::vector<double> latency_buckets();

 private:
  template <typename F>
  F& add(std::unique_ptr<F> family);

  mutable std::mutex mutex_;  // registration and the family list, never recording
  std::vector<std::unique_ptr<metrics_detail::FamilyBase>> families_;
};

// ---- exposition helpers (public for tests) ----------------------------------

// A label value escaped for the text format: \ -> \\, " -> \", newline -> \n.
std::string escape_label_value(std::string_view value);
// A HELP text escaped for the text format: \ -> \\, newline -> \n.
std::string escape_help(std::string_view help);
// A sample value: integers without a fraction ("3"), others in the shortest
// round-trip form ("0.25", "1e-05"), and "+Inf", "-Inf", "NaN".
std::string format_value(double value);

}  // namespace lantern::http
