// Scenario files: requests with expected decisions, run like `opa test`.
//
// Format (docs/rules.md, "Scenario files"):
//   {"format": 1, "pack": "baseline.json",            // relative to the scenario file
//    "now": "2026-03-01T12:00:00Z",                    // default evaluation time
//    "warrant_registry": "warrants.sample.json",       // optional, relative to the file
//    "base": {"request": {...}, "facts": {...}},       // merged under every scenario
//    "scenarios": [{"name": "...", "request": {...}, "facts": {...}, "now": "...",
//                   "expect": {"decision": "allow"|"deny", "permitting": [ids],
//                              "forbidding": [ids], "obligating": [ids],
//                              "obligations": {"min_similarity": 99, ...}}}],
//    "retention": [{"name": "...", "now": "...", "records": [{"id", "charge_status",
//                   "status_changed_at"}], "expect_purged": [record ids]}]}
// With "warrant_registry", scenarios without a facts.warrant fixture look their warrant up in
// that registry file, whose court signatures are verified against its own court keys (a
// fixture, including null or "unavailable", still wins). Id lists in "expect" are compared as sets;
// obligations compare only the keys given. Coverage records, for every rule, how many scenarios it
// applied in and how many it did not, so "every rule tested both ways" can be enforced (a rule
// without "when" always applies, so it only needs to be seen applying).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "oversight/common/status.h"
#include "oversight/policy/pack.h"

namespace oversight::policy {

struct ScenarioResult {
  std::string name;
  std::string location;  // file:line:col of the scenario
  bool passed = false;
  std::vector<std::string> failures;  // what differed, one line each
  std::string decision;               // "allow", "deny" or "purge: ids" for retention cases
};

struct RuleCoverage {
  std::string id;
  int applied = 0;             // scenarios in which the rule fired (or purged a record)
  int not_applied = 0;         // scenarios in which it did not
  bool unconditional = false;  // no "when": it cannot be seen not applying
  bool BothWays() const { return applied > 0 && (not_applied > 0 || unconditional); }
};

struct ScenarioReport {
  std::string scenario_file;
  std::string pack_file;
  std::string warrant_registry_file;  // empty if the file names none
  std::string pack_sha256;
  std::vector<ScenarioResult> results;
  std::vector<RuleCoverage> coverage;  // pack rules, then retention rules
  int passed() const;
  int failed() const;
  std::vector<std::string> UncoveredRules() const;  // ids not tested both ways
};

// Runs one scenario file. `pack_override` (if non-empty) replaces the file's "pack".
// Errors (bad file, pack that does not compile) are statuses; failed expectations are not.
StatusOr<ScenarioReport> RunScenarioFile(const std::string& path,
                                         const std::string& pack_override = "");

}  // namespace oversight::policy
