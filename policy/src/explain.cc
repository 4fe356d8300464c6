#include "oversight/policy/explain.h"

#include "evaluator.h"
#include "oversight/common/time_format.h"
#include "program.h"
#include "util.h"

namespace oversight::policy {
namespace {

using internal::Node;
using internal::NodeKind;
using internal::Tri;

std::string TriName(Tri t) {
  return t == Tri::kTrue ? "true" : t == Tri::kFalse ? "false" : "undecided";
}

std::string FormatValue(const FieldInfo& f, const internal::ValueView& v) {
  if (!v.present) return "missing";
  switch (f.type) {
    case FieldType::kString:
      return "\"" + std::string(v.str) + "\"";
    case FieldType::kNumber: {
      std::string s = std::to_string(v.number);
      s.erase(s.find_last_not_of('0') + 1);
      if (s.back() == '.') s.pop_back();
      return s;
    }
    case FieldType::kBool:
      return v.scalar ? "true" : "false";
    case FieldType::kEnum:
      return "\"" + std::string(f.enum_values[static_cast<std::size_t>(v.scalar)]) + "\"";
    case FieldType::kTime:
      return FormatRfc3339Millis(TimePoint(
          std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(v.scalar))));
    case FieldType::kDuration:
      return internal::FormatDuration(std::chrono::nanoseconds(v.scalar));
    case FieldType::kStringSet: {
      std::string out;
      for (const std::string& s : *v.set) out += (out.empty() ? "\"" : ", \"") + s + "\"";
      return "[" + out + "]";
    }
  }
  return "?";
}

class Tracer {
 public:
  Tracer(const internal::Program& p, internal::EvalState& state, const std::vector<Tri>& trace)
      : p_(p), state_(state), trace_(trace) {}

  void Lines(std::uint32_t index, int depth, std::vector<ConditionLine>& out) {
    const Node& n = p_.nodes[index];
    ConditionLine line{depth, "", TriName(trace_[index]), "", n.pos};
    if (n.kind == NodeKind::kAtom) {
      const internal::Atom& a = p_.atoms[n.atom];
      line.text = a.text;
      line.actual = FormatValue(FieldTable()[a.field], state_.Read(a.field, &a));
      line.pos = a.pos;
    } else {
      line.text = n.kind == NodeKind::kAll ? "all of" : n.kind == NodeKind::kAny ? "any of" : "not";
    }
    out.push_back(std::move(line));
    for (std::uint32_t c : n.children) Lines(c, depth + 1, out);
  }

  // The condition that settled the node's value, or nullptr if every part contributed.
  const internal::Atom* Decider(std::uint32_t index) const {
    const Node& n = p_.nodes[index];
    Tri r = trace_[index];
    if (n.kind == NodeKind::kAtom) return &p_.atoms[n.atom];
    if (n.kind == NodeKind::kNot) return Decider(n.children[0]);
    Tri want = r;
    if ((n.kind == NodeKind::kAll && r == Tri::kTrue) ||
        (n.kind == NodeKind::kAny && r == Tri::kFalse)) {
      return nullptr;
    }
    for (std::uint32_t c : n.children) {
      if (trace_[c] == want) return Decider(c);
    }
    return nullptr;
  }

 private:
  const internal::Program& p_;
  internal::EvalState& state_;
  const std::vector<Tri>& trace_;
};

std::string DecidedBy(const Tracer& tracer, std::int64_t root, Tri result) {
  if (root < 0) return "the rule has no condition: it always applies";
  const internal::Atom* a = tracer.Decider(static_cast<std::uint32_t>(root));
  if (!a) return result == Tri::kTrue ? "every condition held" : "no alternative held";
  return a->text + " (line " + std::to_string(a->pos.line) + ")";
}

}  // namespace

Explanation Explain(const CompiledPack& pack, const RequestDoc& request, const Facts& facts) {
  Explanation ex{pack.Evaluate(request, facts), {}};
  const internal::Program& p = pack.program();
  internal::EvalState state(p, request, facts);
  std::vector<Tri> trace(p.nodes.size(), Tri::kFalse);
  Tracer tracer(p, state, trace);
  for (std::size_t i = 0; i < pack.rules().size(); ++i) {
    const RuleInfo& rule = pack.rules()[i];
    Tri r = state.EvalRule(i, &trace);
    RuleExplanation re;
    re.rule = &rule;
    re.outcome = r == Tri::kTrue ? "matched" : r == Tri::kFalse ? "not matched" : "undecided";
    re.applied = r == Tri::kTrue || (r == Tri::kUnknown && rule.effect != Effect::kPermit);
    re.decided_by = DecidedBy(tracer, p.roots[i], r);
    if (p.roots[i] >= 0) tracer.Lines(static_cast<std::uint32_t>(p.roots[i]), 1, re.lines);
    ex.rules.push_back(std::move(re));
  }
  return ex;
}

std::string FormatExplanation(const CompiledPack& pack, const Explanation& ex) {
  std::string out = "decision: " + std::string(ex.decision.allow ? "ALLOW" : "DENY") + "\n";
  out += "pack: " + pack.metadata().name + " " + pack.metadata().version + " (sha256 " +
         pack.sha256_hex() + ")\n\nreasons:\n";
  for (const std::string& r : ex.decision.Reasons()) out += "  - " + r + "\n";
  out += "\nrules:\n";
  for (const RuleExplanation& re : ex.rules) {
    out += "  " + std::string(EffectName(re.rule->effect)) + " " + re.rule->id + ": " + re.outcome +
           (re.applied ? " (applies)" : "") + "\n    decided by: " + re.decided_by +
           "\n    citation: " + re.rule->citation + "\n";
    for (const ConditionLine& l : re.lines) {
      out += std::string(static_cast<std::size_t>(4 + 2 * l.depth), ' ') + "[" + l.result + "] " +
             l.text;
      if (!l.actual.empty()) out += "   (actual: " + l.actual + ")";
      out += "\n";
    }
  }
  return out;
}

}  // namespace oversight::policy
