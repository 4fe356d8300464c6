// Diff: how decisions change between two packs over a corpus of requests (one case per line,
// JSON Lines; see case.h). For staff weighing an amendment: "what would this change deny?"
#pragma once

#include <map>
#include <string>
#include <vector>

#include "oversight/policy/pack.h"

namespace oversight::policy {

struct DiffExample {
  int line = 0;  // 1-based line in the corpus
  std::string name;
  std::string before, after;  // "allow" / "deny"
  std::vector<std::string> before_reasons, after_reasons;
};

struct RuleDelta {
  int before = 0;  // requests this rule applied to under the old pack
  int after = 0;   // ... under the new pack (0 if the rule does not exist there)
};

struct DiffReport {
  int total = 0;
  int allow_allow = 0, allow_deny = 0, deny_allow = 0, deny_deny = 0;
  std::map<std::string, RuleDelta> rules;  // every rule id of either pack
  std::vector<DiffExample> examples;       // changed decisions, at most max_examples
};

// Errors: unreadable corpus, or a line that is not a valid case (with line:col).
StatusOr<DiffReport> DiffPacks(const CompiledPack& before, const CompiledPack& after,
                               const std::string& corpus_path, TimePoint default_now,
                               std::size_t max_examples = 10);

}  // namespace oversight::policy
