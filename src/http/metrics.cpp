#include "http/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace lantern::http {
namespace {

bool valid_name(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

void validate(std::string_view name, const std::vector<std::string>& label_names, bool histogram) {
  if (!valid_name(name, /*allow_colon=*/true)) {
    throw std::invalid_argument("metrics: invalid metric name '" + std::string(name) + "'");
  }
  for (std::size_t i = 0; i < label_names.size(); ++i) {
    const auto& label = label_names[i];
    if (!valid_name(label, /*allow_colon=*/false) || label.starts_with("__") ||
        (histogram && label == "le")) {
      throw std::invalid_argument("metrics: invalid label name '" + label + "' for " +
                                  std::string(name));
    }
    if (std::find(label_names.begin(), label_names.begin() + static_cast<std::ptrdiff_t>(i),
                  label) != label_names.begin() + static_cast<std::ptrdiff_t>(i)) {
      throw std::invalid_argument("metrics: duplicate label name '" + label + "' for " +
                                  std::string(name));
    }
  }
}

void validate_bounds(std::string_view name, const std::vector<double>& bounds) {
  if (bounds.empty()) {
    throw std::invalid_argument("metrics: histogram " + std::string(name) + " has no buckets");
  }
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      throw std::invalid_argument("metrics: histogram " + std::string(name) +
                                  " needs finite, strictly increasing buckets");
    }
  }
}

// {a="x",b="y"}, with `extra` (e.g. le="0.5") appended; nothing when empty.
void render_labels(std::string& out, const std::vector<std::string>& names,
                   const std::vector<std::string>& values, std::string_view extra = {}) {
  if (names.empty() && extra.empty()) return;
  out += '{';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (!extra.empty()) {
    if (!names.empty()) out += ',';
    out += extra;
  }
  out += '}';
}

void render_sample(std::string& out, std::string_view name, std::string_view suffix,
                   const std::vector<std::string>& label_names,
                   const std::vector<std::string>& values, std::string_view value,
                   std::string_view extra = {}) {
  out += name;
  out += suffix;
  render_labels(out, label_names, values, extra);
  out += ' ';
  out += value;
  out += '\n';
}

// A metric whose one value is read by a callback at scrape time.
class CallbackFamily final : public metrics_detail::FamilyBase {
 public:
  CallbackFamily(std::string name, std::string help, std::string type, std::function<double()> read)
      : FamilyBase(std::move(name), std::move(help), std::move(type), {}, 1),
        read_(std::move(read)) {}

  void render(std::string& out) const override {
    render_header(out);
    render_sample(out, name_, "", label_names_, {}, format_value(read_ ? read_() : 0.0));
  }

 private:
  const std::function<double()> read_;
};

}  // namespace

// ---- Histogram --------------------------------------------------------------

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {}

void Histogram::observe(double value) noexcept {
  if (std::isnan(value)) return;  // it would poison _sum for good
  // Upper bounds are inclusive (le): the first bound >= value.
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snapshot;
  snapshot.cumulative.reserve(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    snapshot.cumulative.push_back(running);
  }
  snapshot.count = running;
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

// ---- families -----------------------------------------------------------------

namespace metrics_detail {

FamilyBase::FamilyBase(std::string name, std::string help, std::string type,
                       std::vector<std::string> label_names, std::size_t max_series)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(std::move(type)),
      label_names_(std::move(label_names)),
      max_series_(std::max<std::size_t>(max_series, 1)) {}

std::vector<std::string> FamilyBase::admit(std::span<const std::string_view> values,
                                           std::size_t current_series) const {
  // One slot stays free for the overflow series.
  if (current_series + 1 >= max_series_ && !label_names_.empty()) {
    return std::vector<std::string>(label_names_.size(), "other");
  }
  return std::vector<std::string>(values.begin(), values.end());
}

void FamilyBase::render_header(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  out += escape_help(help_);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type_;
  out += '\n';
}

}  // namespace metrics_detail

namespace {
template <typename T>
constexpr std::string_view type_name() {
  if constexpr (std::is_same_v<T, Counter>) return "counter";
  if constexpr (std::is_same_v<T, Gauge>) return "gauge";
  return "histogram";
}
}  // namespace

template <typename T>
Family<T>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                  std::size_t max_series, std::vector<double> bounds)
    : FamilyBase(std::move(name), std::move(help), std::string(type_name<T>()),
                 std::move(label_names), max_series),
      bounds_(std::move(bounds)) {}

template <typename T>
std::unique_ptr<T> Family<T>::make() const {
  if constexpr (std::is_same_v<T, Histogram>) {
    return std::make_unique<Histogram>(bounds_);
  } else {
    return std::make_unique<T>();
  }
}

template <typename T>
T& Family<T>::labels(std::span<const std::string_view> values) {
  if (values.size() != label_names_.size()) {
    throw std::invalid_argument("metrics: " + name_ + " takes " +
                                std::to_string(label_names_.size()) + " label value(s)");
  }
  std::lock_guard lock(mutex_);
  if (const auto found = series_.find(values); found != series_.end()) return *found->second;
  auto key = admit(values, series_.size());
  auto it = series_.find(key);
  if (it == series_.end()) it = series_.emplace(std::move(key), make()).first;
  return *it->second;
}

template <typename T>
void Family<T>::render(std::string& out) const {
  render_header(out);
  std::lock_guard lock(mutex_);
  for (const auto& [values, series] : series_) {
    if constexpr (std::is_same_v<T, Counter>) {
      render_sample(out, name_, "", label_names_, values, std::to_string(series->value()));
    } else if constexpr (std::is_same_v<T, Gauge>) {
      render_sample(out, name_, "", label_names_, values, format_value(series->value()));
    } else {
      const auto snapshot = series->snapshot();
      for (std::size_t i = 0; i < snapshot.cumulative.size(); ++i) {
        const std::string le =
            "le=\"" + (i < bounds_.size() ? format_value(bounds_[i]) : std::string("+Inf")) + '"';
        render_sample(out, name_, "_bucket", label_names_, values,
                      std::to_string(snapshot.cumulative[i]), le);
      }
      render_sample(out, name_, "_sum", label_names_, values, format_value(snapshot.sum));
      render_sample(out, name_, "_count", label_names_, values, std::to_string(snapshot.count));
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- Metrics ------------------------------------------------------------------

template <typename F>
F& Metrics::add(std::unique_ptr<F> family) {
  std::lock_guard lock(mutex_);
  for (const auto& existing : families_) {
    if (existing->name() != family->name()) continue;
    auto* same = dynamic_cast<F*>(existing.get());
    bool identical = same != nullptr && existing->type() == family->type() &&
                     existing->help() == family->help() &&
                     existing->label_names() == family->label_names();
    if constexpr (!std::is_same_v<F, CallbackFamily>) {
      identical = identical && same->bounds_ == family->bounds_;
    } else {
      identical = false;  // a callback cannot be replaced
    }
    if (!identical) {
      throw std::invalid_argument("metrics: " + family->name() +
                                  " is already registered differently");
    }
    return *same;
  }
  F& added = *family;
  families_.push_back(std::move(family));
  return added;
}

CounterFamily& Metrics::counter_family(std::string name, std::string help,
                                       std::vector<std::string> label_names,
                                       std::size_t max_series) {
  validate(name, label_names, false);
  return add(std::unique_ptr<CounterFamily>(
      new CounterFamily(std::move(name), std::move(help), std::move(label_names), max_series, {})));
}

GaugeFamily& Metrics::gauge_family(std::string name, std::string help,
                                   std::vector<std::string> label_names, std::size_t max_series) {
  validate(name, label_names, false);
  return add(std::unique_ptr<GaugeFamily>(
      new GaugeFamily(std::move(name), std::move(help), std::move(label_names), max_series, {})));
}

HistogramFamily& Metrics::histogram_family(std::string name, std::string help,
                                           std::vector<std::string> label_names,
                                           std::vector<double> bounds, std::size_t max_series) {
  validate(name, label_names, true);
  validate_bounds(name, bounds);
  return add(std::unique_ptr<HistogramFamily>(new HistogramFamily(
      std::move(name), std::move(help), std::move(label_names), max_series, std::move(bounds))));
}

Counter& Metrics::counter(std::string name, std::string help) {
  return counter_family(std::move(name), std::move(help), {}).labels({});
}

Gauge& Metrics::gauge(std::string name, std::string help) {
  return gauge_family(std::move(name), std::move(help), {}).labels({});
}

Histogram& Metrics::histogram(std::string name, std::string help, std::vector<double> bounds) {
  return histogram_family(std::move(name), std::move(help), {}, std::move(bounds)).labels({});
}

void Metrics::counter_callback(std::string name, std::string help, std::function<double()> read) {
  validate(name, {}, false);
  add(std::make_unique<CallbackFamily>(std::move(name), std::move(help), "counter",
                                       std::move(read)));
}

void Metrics::gauge_callback(std::string name, std::string help, std::function<double()> read) {
  validate(name, {}, false);
  add(std::make_unique<CallbackFamily>(std::move(name), std::move(help), "gauge", std::move(read)));
}

std::string Metrics::render() const {
  // Families are never removed, so the pointers outlive the lock; rendering
  // without it lets callbacks take their own locks (or even register).
  std::vector<const metrics_detail::FamilyBase*> families;
  {
    std::lock_guard lock(mutex_);
    families.reserve(families_.size());
    for (const auto& family : families_) families.push_back(family.get());
  }
  std::string out;
  for (const auto* family : families) family->render(out);
  return out;
}

std::vector<double> Metrics::latency_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

// ---- exposition helpers -------------------------------------------------------

namespace {

// The text format's escaping: backslash and newline always, the double quote
// only inside a (quoted) label value.
std::string escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  return escape(value, true);
}

std::string escape_help(std::string_view help) {
  return escape(help, false);
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::trunc(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<std::int64_t>(value));
  }
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

}  // namespace lantern::http
