// Explain: why a pack decided what it did for one request. For every rule: whether it
// matched, the value of each condition, the actual field values, and the condition that
// decided the outcome. Evaluates every condition (no short-circuit), so it is slower than
// CompiledPack::Evaluate; for tools and audits, not the request path.
#pragma once

#include <string>
#include <vector>

#include "oversight/policy/pack.h"

namespace oversight::policy {

struct ConditionLine {
  int depth = 0;
  std::string text;    // "all of", "context.mode equals \"retrospective\""
  std::string result;  // "true", "false" or "undecided"
  std::string actual;  // the field's value for atoms ("missing" if absent), else empty
  JsonPos pos;
};

struct RuleExplanation {
  const RuleInfo* rule = nullptr;
  std::string outcome;     // "matched", "not matched" or "undecided"
  bool applied = false;    // counted in the decision (undecided forbid/obligate rules apply)
  std::string decided_by;  // the deciding condition, or a sentence when the rule has none
  std::vector<ConditionLine> lines;
};

struct Explanation {
  Decision decision;
  std::vector<RuleExplanation> rules;
};

Explanation Explain(const CompiledPack& pack, const RequestDoc& request, const Facts& facts);

// Human-readable report: decision, reasons with citations, then every rule.
std::string FormatExplanation(const CompiledPack& pack, const Explanation& explanation);

}  // namespace oversight::policy
