#include "oversight/policy/lint.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "program.h"

namespace oversight::policy {
namespace {

using internal::Atom;
using internal::Node;
using internal::NodeKind;
using internal::Op;
using internal::Program;

std::uint64_t Domain(const FieldInfo& f) {
  return f.enum_values.size() >= 64 ? ~std::uint64_t{0}
                                    : (std::uint64_t{1} << f.enum_values.size()) - 1;
}

// Per-field constraints gathered from the atoms of one conjunction.
struct FieldConstraint {
  std::uint64_t enum_allowed = ~std::uint64_t{0};
  std::set<std::string> equals, excluded;
  std::optional<std::set<std::string>> in;
  double lo = -std::numeric_limits<double>::infinity(),
         hi = std::numeric_limits<double>::infinity();
  bool lo_open = false, hi_open = false;
  bool must_exist = false, must_not_exist = false;
};

void AddNumeric(FieldConstraint& c, Op op, double v) {
  auto raise = [&](double x, bool open) {
    if (x > c.lo || (x == c.lo && open)) c.lo = x, c.lo_open = open;
  };
  auto lower = [&](double x, bool open) {
    if (x < c.hi || (x == c.hi && open)) c.hi = x, c.hi_open = open;
  };
  if (op == Op::kEquals) raise(v, false), lower(v, false);
  if (op == Op::kGt) raise(v, true);
  if (op == Op::kGe) raise(v, false);
  if (op == Op::kLt) lower(v, true);
  if (op == Op::kLe) lower(v, false);
}

void AddAtom(FieldConstraint& c, const Atom& a) {
  if (a.op == Op::kExists) {
    (a.exists ? c.must_exist : c.must_not_exist) = true;
    return;
  }
  c.must_exist = true;  // any comparison is true only on a present value
  if (a.operand.ref >= 0) return;
  if (a.type == FieldType::kEnum) {
    std::uint64_t bit = std::uint64_t{1} << a.operand.scalar;
    if (a.op == Op::kEquals) c.enum_allowed &= bit;
    if (a.op == Op::kNotEquals) c.enum_allowed &= ~bit;
    if (a.op == Op::kIn) c.enum_allowed &= a.enum_mask;
    if (a.op == Op::kNotIn) c.enum_allowed &= ~a.enum_mask;
  } else if (a.type == FieldType::kString) {
    if (a.op == Op::kEquals) c.equals.insert(a.operand.str);
    if (a.op == Op::kNotEquals) c.excluded.insert(a.operand.str);
    if (a.op == Op::kNotIn) c.excluded.insert(a.strings.begin(), a.strings.end());
    if (a.op == Op::kIn) {
      std::set<std::string> s(a.strings.begin(), a.strings.end());
      if (c.in) std::erase_if(s, [&](const std::string& x) { return !c.in->count(x); });
      c.in = std::move(s);
    }
  } else if (a.type == FieldType::kNumber) {
    AddNumeric(c, a.op, a.operand.number);
    if (a.op == Op::kIn && a.numbers.empty()) c.lo = 1, c.hi = 0;
  } else if (a.type == FieldType::kDuration) {
    AddNumeric(c, a.op, static_cast<double>(a.operand.scalar));
  }
}

bool Unsatisfiable(const FieldConstraint& c, const FieldInfo& f) {
  if (c.must_exist && c.must_not_exist) return true;
  if (f.type == FieldType::kEnum && (c.enum_allowed & Domain(f)) == 0) return true;
  if (c.equals.size() > 1) return true;
  for (const std::string& e : c.equals) {
    if (c.excluded.count(e) || (c.in && !c.in->count(e))) return true;
  }
  if (c.in &&
      std::all_of(c.in->begin(), c.in->end(), [&](auto& x) { return c.excluded.count(x) > 0; })) {
    return true;
  }
  return c.lo > c.hi || (c.lo == c.hi && (c.lo_open || c.hi_open));
}

class Analyzer {
 public:
  explicit Analyzer(const Program& p) : p_(p) {}

  // True if the node can never evaluate to true (conservative).
  bool NeverTrue(std::uint32_t index) const {
    const Node& n = p_.nodes[index];
    if (n.kind == NodeKind::kAny) {
      return std::all_of(n.children.begin(), n.children.end(),
                         [&](auto c) { return NeverTrue(c); });
    }
    if (n.kind == NodeKind::kNot) return AlwaysTrue(n.children[0]);
    std::vector<std::uint32_t> atoms;
    if (n.kind == NodeKind::kAtom) atoms.push_back(n.atom);
    std::map<FieldId, FieldConstraint> per_field;
    for (std::uint32_t c : n.children) {
      if (NeverTrue(c)) return true;
      if (p_.nodes[c].kind == NodeKind::kAtom) atoms.push_back(p_.nodes[c].atom);
    }
    for (std::uint32_t a : atoms) AddAtom(per_field[p_.atoms[a].field], p_.atoms[a]);
    for (const auto& [field, c] : per_field) {
      if (Unsatisfiable(c, FieldTable()[field])) return true;
    }
    return false;
  }

  // True if the node is true for every request that has its fields (conservative).
  bool AlwaysTrue(std::uint32_t index) const {
    const Node& n = p_.nodes[index];
    switch (n.kind) {
      case NodeKind::kAll:
        return std::all_of(n.children.begin(), n.children.end(),
                           [&](auto c) { return AlwaysTrue(c); });
      case NodeKind::kAny:
        return std::any_of(n.children.begin(), n.children.end(),
                           [&](auto c) { return AlwaysTrue(c); });
      case NodeKind::kNot:
        return NeverTrue(n.children[0]);
      case NodeKind::kAtom: {
        const Atom& a = p_.atoms[n.atom];
        const FieldInfo& f = FieldTable()[a.field];
        if (a.op == Op::kExists)
          return a.exists && f.source == FieldSource::kComputed && a.field == fields::Now();
        if (a.type != FieldType::kEnum || a.operand.ref >= 0) return false;
        return (a.op == Op::kIn && (a.enum_mask & Domain(f)) == Domain(f)) ||
               (a.op == Op::kNotIn && a.enum_mask == 0);
      }
    }
    return false;
  }

  // Atom texts of a conjunction (the node itself if it is an atom); empty if not a conjunction.
  // The atoms a condition requires at its top level. *complete is false when the condition
  // also has parts that are not atoms (an "any" under the "all", a negation): the set then
  // under-describes it, which is fine for the permit side of an implication but not the forbid.
  std::set<std::string> ConjunctAtoms(std::int64_t root, bool* complete = nullptr) const {
    std::set<std::string> out;
    if (complete) *complete = true;
    if (root < 0) return out;
    const Node& n = p_.nodes[static_cast<std::size_t>(root)];
    if (n.kind == NodeKind::kAtom) {
      out.insert(p_.atoms[n.atom].text);
      return out;
    }
    if (n.kind != NodeKind::kAll) {
      if (complete) *complete = false;
      return out;
    }
    for (std::uint32_t c : n.children) {
      if (p_.nodes[c].kind == NodeKind::kAtom) {
        out.insert(p_.atoms[p_.nodes[c].atom].text);
      } else if (complete) {
        *complete = false;
      }
    }
    return out;
  }

 private:
  const Program& p_;
};

Diagnostic Warn(const CompiledPack& pack, JsonPos pos, std::string code, std::string message) {
  return {pack.metadata().source_path, pos, Diagnostic::Severity::kWarning, std::move(code),
          std::move(message)};
}

// A permit is shadowed by a forbid whose condition holds whenever the permit's does.
void CheckShadowing(const CompiledPack& pack, const Analyzer& an, const std::vector<bool>& always,
                    std::vector<Diagnostic>& out) {
  const Program& p = pack.program();
  auto rules = pack.rules();
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].effect != Effect::kPermit) continue;
    std::set<std::string> permit_atoms = an.ConjunctAtoms(p.roots[i]);
    for (std::size_t j = 0; j < rules.size(); ++j) {
      if (rules[j].effect != Effect::kForbid) continue;
      bool forbid_complete = true;
      std::set<std::string> forbid_atoms = an.ConjunctAtoms(p.roots[j], &forbid_complete);
      bool implied = forbid_complete && !forbid_atoms.empty() &&
                     std::includes(permit_atoms.begin(), permit_atoms.end(), forbid_atoms.begin(),
                                   forbid_atoms.end());
      if (!always[j] && !implied) continue;
      out.push_back(Warn(pack, rules[i].pos, "shadowed",
                         "permit \"" + rules[i].id + "\" can never take effect: forbid \"" +
                             rules[j].id + "\" " +
                             (always[j] ? "matches every request" : "matches whenever it does")));
      break;
    }
  }
}

}  // namespace

std::vector<Diagnostic> AnalyzePack(const CompiledPack& pack) {
  std::vector<Diagnostic> out;
  const Program& p = pack.program();
  Analyzer an(p);
  auto rules = pack.rules();
  std::vector<bool> always(rules.size());
  bool any_permit = false;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    std::int64_t root = p.roots[i];
    any_permit = any_permit || rules[i].effect == Effect::kPermit;
    always[i] = root < 0 || an.AlwaysTrue(static_cast<std::uint32_t>(root));
    if (root >= 0 && an.NeverTrue(static_cast<std::uint32_t>(root))) {
      out.push_back(Warn(
          pack, rules[i].pos, "never-matches",
          "the condition of \"" + rules[i].id + "\" can never be true, so the rule never applies"));
    }
  }
  if (!any_permit) {
    out.push_back(
        Warn(pack, {1, 1}, "no-permit", "the pack has no permit rule, so it denies every request"));
  }
  CheckShadowing(pack, an, always, out);
  return out;
}

std::vector<Diagnostic> LintPack(std::string_view text, std::string_view source) {
  CompileResult r = CompilePack(text, source);
  if (!r.pack) return r.diagnostics;
  std::vector<Diagnostic> out = std::move(r.diagnostics);
  for (Diagnostic& d : AnalyzePack(*r.pack)) out.push_back(std::move(d));
  return out;
}

std::vector<Diagnostic> LintPackFile(const std::string& path) {
  CompileResult r = CompilePackFile(path);
  if (!r.pack) return r.diagnostics;
  std::vector<Diagnostic> out = std::move(r.diagnostics);
  for (Diagnostic& d : AnalyzePack(*r.pack)) out.push_back(std::move(d));
  return out;
}

}  // namespace oversight::policy
