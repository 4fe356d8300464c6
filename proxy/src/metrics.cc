#include "oversight/proxy/metrics.h"

#include <cstdio>

namespace oversight::proxy {
namespace {

constexpr double kBuckets[8] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5};
constexpr const char* kBucketText[8] = {"0.001", "0.005", "0.01", "0.05", "0.1", "0.5", "1", "5"};

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

void Metrics::Add(std::string_view name, std::string_view label, std::string_view value,
                  std::uint64_t by) {
  std::string labels;
  if (!label.empty()) labels = std::string(label) + "=\"" + std::string(value) + "\"";
  std::lock_guard lock(mu_);
  counters_[{std::string(name), std::move(labels)}] += by;
}

void Metrics::ObserveLatency(std::string_view operation, double seconds) {
  std::lock_guard lock(mu_);
  Histogram& h = latency_[std::string(operation)];
  for (int i = 0; i < 8; ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::SetGauge(std::string_view name, double value) {
  std::lock_guard lock(mu_);
  gauges_[std::string(name)] = value;
}

std::string Metrics::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  std::string last;
  for (const auto& [key, v] : counters_) {
    if (key.first != last) {
      out += "# TYPE " + key.first + " counter\n";
      last = key.first;
    }
    out += key.first + (key.second.empty() ? "" : "{" + key.second + "}") + " " +
           std::to_string(v) + "\n";
  }
  if (!latency_.empty()) {
    out += "# TYPE oversight_request_duration_seconds histogram\n";
  }
  for (const auto& [op, h] : latency_) {
    const std::string base = "oversight_request_duration_seconds";
    const std::string lbl = "operation=\"" + op + "\"";
    for (int i = 0; i < 8; ++i) {
      out += base + "_bucket{" + lbl + ",le=\"" + kBucketText[i] + "\"} " +
             std::to_string(h.buckets[i]) + "\n";
    }
    out += base + "_bucket{" + lbl + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    out += base + "_sum{" + lbl + "} " + Number(h.sum) + "\n";
    out += base + "_count{" + lbl + "} " + std::to_string(h.count) + "\n";
  }
  for (const auto& [name, v] : gauges_) {
    out += "# TYPE " + name + " gauge\n" + name + " " + Number(v) + "\n";
  }
  return out;
}

}  // namespace oversight::proxy
