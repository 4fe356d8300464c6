// Metrics: counters for the operator, in Prometheus text exposition format (version 0.0.4).
// Labels are fixed, low-cardinality values chosen by the proxy (operation names, outcomes),
// never caller-supplied text, so the series count is bounded. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace oversight::proxy {

class Metrics {
 public:
  // Adds `by` to counter `name` with one label pair (label may be empty: no labels).
  void Add(std::string_view name, std::string_view label, std::string_view value,
           std::uint64_t by = 1);
  // A request's latency, in seconds, into a fixed-bucket histogram per operation.
  void ObserveLatency(std::string_view operation, double seconds);
  // Sets a gauge (e.g. ledger size).
  void SetGauge(std::string_view name, double value);

  std::string Render() const;

 private:
  struct Histogram {
    std::uint64_t buckets[8] = {};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> counters_;  // (name, labels)
  std::map<std::string, Histogram> latency_;                               // by operation
  std::map<std::string, double> gauges_;
};

}  // namespace oversight::proxy
