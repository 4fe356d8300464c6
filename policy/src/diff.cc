#include "oversight/policy/diff.h"

#include <fstream>

#include "oversight/policy/case.h"

namespace oversight::policy {
namespace {

void CountRules(const Decision& d, bool before, std::map<std::string, RuleDelta>& rules) {
  for (const auto* list : {&d.permitting, &d.forbidding, &d.obligating}) {
    for (const RuleHit& h : *list) (before ? rules[h.rule->id].before : rules[h.rule->id].after)++;
  }
}

// Each corpus line is parsed on its own; give its values their real line in the file.
void SetLine(JsonValue& v, std::uint32_t line) {
  v.pos.line = line;
  for (JsonValue& item : v.items) SetLine(item, line);
  for (JsonMember& m : v.members) {
    m.key_pos.line = line;
    SetLine(m.value, line);
  }
}

void Tally(bool a, bool b, DiffReport& r) {
  if (a && b) ++r.allow_allow;
  if (a && !b) ++r.allow_deny;
  if (!a && b) ++r.deny_allow;
  if (!a && !b) ++r.deny_deny;
}

}  // namespace

StatusOr<DiffReport> DiffPacks(const CompiledPack& before, const CompiledPack& after,
                               const std::string& corpus_path, TimePoint default_now,
                               std::size_t max_examples) {
  std::ifstream in(corpus_path);
  if (!in) return Status::NotFound("cannot open " + corpus_path);
  DiffReport report;
  for (const RuleInfo& r : before.rules()) report.rules[r.id];
  for (const RuleInfo& r : after.rules()) report.rules[r.id];
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    JsonError error;
    auto v = ParseJsonc(line, corpus_path, {}, &error);
    if (!v.ok()) {
      JsonPos at{static_cast<std::uint32_t>(line_no), error.pos.column};
      return Status::InvalidArgument(FormatPos(corpus_path, at) + ": " + error.reason);
    }
    SetLine(*v, static_cast<std::uint32_t>(line_no));
    OVERSIGHT_ASSIGN_OR_RETURN(Case c, ParseCase(*v, corpus_path, default_now));
    Decision a = before.Evaluate(c.request, c.facts());
    Decision b = after.Evaluate(c.request, c.facts());
    ++report.total;
    Tally(a.allow, b.allow, report);
    CountRules(a, true, report.rules);
    CountRules(b, false, report.rules);
    if (a.allow != b.allow && report.examples.size() < max_examples) {
      report.examples.push_back({line_no, c.name, a.allow ? "allow" : "deny",
                                 b.allow ? "allow" : "deny", a.Reasons(), b.Reasons()});
    }
  }
  if (in.bad()) return Status::IOError("reading " + corpus_path);
  return report;
}

}  // namespace oversight::policy
