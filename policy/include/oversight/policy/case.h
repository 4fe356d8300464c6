// Case: one request together with the facts it is evaluated with, read from JSON.
//
// Used by scenario files, `rules explain` inputs and `rules diff` corpora. Facts are fixtures
// (no registry or database): a warrant object registered under the request's warrant id,
// and history counts per metric (optionally per window). A case is either
//   {"request": {...}, "facts": {...}, "now": "RFC 3339"}   or a bare request document.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "oversight/policy/facts.h"
#include "oversight/policy/jsonc.h"
#include "oversight/policy/request.h"

namespace oversight::policy {

// Warrant registry fixture: answers every lookup with one warrant (or none, or an error).
class FixtureWarrantRegistry final : public WarrantRegistry {
 public:
  std::optional<Warrant> warrant;
  bool unavailable = false;
  StatusOr<std::optional<Warrant>> Lookup(std::string_view warrant_id) const override;
};

// History fixture: counts by metric name ("searches_by_principal"), by window or for any
// window (key ""). Metrics not given count 0.
class FixtureHistory final : public HistoryProvider {
 public:
  std::map<std::string, std::map<std::string, std::int64_t>> counts;
  bool unavailable = false;
  StatusOr<std::int64_t> Count(HistoryMetric metric, const RequestDoc& request,
                               std::chrono::seconds window, TimePoint now) const override;
};

struct Case {
  std::string name;
  JsonPos pos;
  RequestDoc request;
  TimePoint now{};
  FixtureWarrantRegistry warrants;
  FixtureHistory history;

  Facts facts() const { return {&warrants, &history, now}; }
};

// Parses a case. `default_now` applies when the case has no "now". Errors carry positions.
StatusOr<Case> ParseCase(const JsonValue& v, std::string_view source, TimePoint default_now);

// Deep merge for scenario bases: members of `patch` replace those of `base`, objects merge
// recursively, and a null member removes the key.
JsonValue MergeJson(const JsonValue& base, const JsonValue& patch);

}  // namespace oversight::policy
