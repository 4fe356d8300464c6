#include "evaluator.h"

#include <algorithm>
#include <cstdint>

#include "util.h"

namespace oversight::policy::internal {
namespace {

Tri FromBool(bool b) { return b ? Tri::kTrue : Tri::kFalse; }

template <typename V>
Tri Ordered(Op op, V a, V b) {
  switch (op) {
    case Op::kEquals:
      return FromBool(a == b);
    case Op::kNotEquals:
      return FromBool(a != b);
    case Op::kLt:
      return FromBool(a < b);
    case Op::kLe:
      return FromBool(a <= b);
    case Op::kGt:
      return FromBool(a > b);
    case Op::kGe:
      return FromBool(a >= b);
    default:
      return Tri::kUnknown;  // unreachable: the compiler checked the operator
  }
}

std::int64_t ToNs(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

HistoryMetric MetricFor(std::string_view path) {
  if (path == "history.searches_in_case") return HistoryMetric::kSearchesInCase;
  if (path == "history.distinct_cameras_for_subject")
    return HistoryMetric::kDistinctCamerasForSubject;
  if (path == "history.distinct_locations_for_subject") {
    return HistoryMetric::kDistinctLocationsForSubject;
  }
  return HistoryMetric::kSearchesByPrincipal;
}

bool AnyCommon(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  auto i = a.begin();
  auto j = b.begin();
  while (i != a.end() && j != b.end()) {
    if (*i == *j) return true;
    if (*i < *j)
      ++i;
    else
      ++j;
  }
  return false;
}

}  // namespace

EvalState::EvalState(const Program& program, const RequestDoc& request, const Facts& facts)
    : program_(program), request_(request), facts_(facts), now_ns_(ToNs(facts.now)) {}

void EvalState::LoadWarrant() {
  warrant_loaded_ = true;
  const SlotValue& id = request_.slot(fields::WarrantId());
  if (!id.present) return;  // no warrant named: warrant.exists is false
  if (!facts_.warrants) {
    warrant_failed_ = true;
    return;
  }
  auto found = facts_.warrants->Lookup(id.str);
  if (!found.ok()) {
    warrant_failed_ = true;
    return;
  }
  warrant_ = std::move(*found);
}

ValueView EvalState::ReadWarrant(const FieldInfo& f) {
  if (!warrant_loaded_) LoadWarrant();
  ValueView v;
  if (warrant_failed_) return v;  // undecided
  if (f.path == "warrant.exists") {
    v.present = true;
    v.scalar = warrant_.has_value() ? 1 : 0;
    return v;
  }
  if (!warrant_) return v;
  const Warrant& w = *warrant_;
  v.present = true;
  if (f.path == "warrant.status") {
    auto code = EnumCode(f, w.status);
    v.present = code.has_value();
    v.scalar = code.value_or(0);
  } else if (f.path == "warrant.court") {
    v.str = w.court;
  } else if (f.path == "warrant.issued_at") {
    v.scalar = ToNs(w.issued_at);
  } else if (f.path == "warrant.expires_at") {
    v.scalar = ToNs(w.expires_at);
  } else if (f.path == "warrant.case_ids") {
    v.set = &w.case_ids;
  } else if (f.path == "warrant.purposes") {
    v.set = &w.purposes;
  } else if (f.path == "warrant.signature_valid") {
    v.scalar = w.signature_valid ? 1 : 0;
  }
  return v;
}

ValueView EvalState::ReadHistory(const Atom& atom) {
  ValueView v;
  int slot = atom.history_slot;
  if (slot >= 0 && history_state_[slot] != 0) {
    v.present = history_state_[slot] == 1;
    v.number = static_cast<double>(history_counts_[slot]);
    return v;
  }
  if (!facts_.history) return v;
  auto count = facts_.history->Count(MetricFor(FieldTable()[atom.field].path), request_,
                                     atom.window, facts_.now);
  v.present = count.ok();
  v.number = count.ok() ? static_cast<double>(*count) : 0;
  if (slot >= 0) {
    history_state_[slot] = count.ok() ? 1 : 2;
    history_counts_[slot] = count.ok() ? *count : 0;
  }
  return v;
}

ValueView EvalState::Read(FieldId field, const Atom* atom) {
  const FieldInfo& f = FieldTable()[field];
  ValueView v;
  switch (f.source) {
    case FieldSource::kRequest: {
      const SlotValue& s = request_.slot(field);
      v.present = s.present;
      v.number = s.number;
      v.scalar = s.scalar;
      v.str = s.str;
      v.set = &s.set;
      return v;
    }
    case FieldSource::kWarrant:
      return ReadWarrant(f);
    case FieldSource::kHistory:
      return atom ? ReadHistory(*atom) : v;
    case FieldSource::kComputed:
      break;
  }
  if (field == fields::Now()) {
    v.present = true;
    v.scalar = now_ns_;
  } else if (field == fields::CaptureAge()) {
    const SlotValue& t = request_.slot(fields::CaptureTime());
    v.present = t.present;
    if (__builtin_sub_overflow(now_ns_, t.scalar, &v.scalar)) v.present = false;
  }
  return v;
}

// Text of the operand for string comparisons: a literal, or a referenced string/enum field.
bool EvalState::OperandText(const Atom& atom, std::string_view& out) {
  if (atom.operand.ref < 0) {
    out = atom.operand.str;
    return true;
  }
  FieldId ref = static_cast<FieldId>(atom.operand.ref);
  ValueView r = Read(ref, nullptr);
  if (!r.present) return false;
  const FieldInfo& rf = FieldTable()[ref];
  out = rf.type == FieldType::kEnum ? rf.enum_values[static_cast<std::size_t>(r.scalar)] : r.str;
  return true;
}

Tri EvalState::EvalAtom(const Atom& atom) {
  ValueView v = Read(atom.field, &atom);
  if (atom.op == Op::kExists) return FromBool(v.present == atom.exists);
  if (!v.present) return Tri::kUnknown;
  switch (atom.op) {
    case Op::kIn:
    case Op::kNotIn: {
      bool in =
          atom.type == FieldType::kEnum ? ((atom.enum_mask >> v.scalar) & 1) != 0
          : atom.type == FieldType::kNumber
              ? std::find(atom.numbers.begin(), atom.numbers.end(), v.number) != atom.numbers.end()
              : std::binary_search(atom.strings.begin(), atom.strings.end(), v.str);
      return FromBool(in == (atom.op == Op::kIn));
    }
    case Op::kPrefix:
      return FromBool(v.str.starts_with(atom.operand.str));
    case Op::kMatches:
      return FromBool(GlobMatch(v.str, atom.operand.str));
    case Op::kContainsAny:
      return FromBool(AnyCommon(*v.set, atom.strings));
    case Op::kMinSize:
      return FromBool(static_cast<double>(v.set->size()) >= atom.operand.number);
    case Op::kMaxSize:
      return FromBool(static_cast<double>(v.set->size()) <= atom.operand.number);
    case Op::kContains: {
      std::string_view s;
      if (!OperandText(atom, s)) return Tri::kUnknown;
      return FromBool(std::binary_search(v.set->begin(), v.set->end(), s));
    }
    default:
      break;
  }
  // Equality and ordering; the operand is a literal or a field of the same type.
  ValueView o;
  if (atom.operand.ref >= 0) {
    o = Read(static_cast<FieldId>(atom.operand.ref), nullptr);
    if (!o.present) return Tri::kUnknown;
  } else {
    o.number = atom.operand.number;
    o.str = atom.operand.str;
    o.scalar = atom.operand.scalar;
    // Saturating: a caller-supplied `now` near the end of time must not overflow.
    if (atom.operand.now_relative &&
        __builtin_add_overflow(now_ns_, atom.operand.scalar, &o.scalar)) {
      o.scalar = atom.operand.scalar > 0 ? INT64_MAX : INT64_MIN;
    }
  }
  switch (atom.type) {
    case FieldType::kString:
      return Ordered(atom.op, v.str, o.str);
    case FieldType::kNumber:
      return Ordered(atom.op, v.number, o.number);
    default:
      return Ordered(atom.op, v.scalar, o.scalar);
  }
}

Tri EvalState::EvalNode(std::uint32_t index, std::vector<Tri>* trace) {
  const Node& n = program_.nodes[index];
  Tri result = Tri::kFalse;
  switch (n.kind) {
    case NodeKind::kAtom:
      result = EvalAtom(program_.atoms[n.atom]);
      break;
    case NodeKind::kNot: {
      Tri c = EvalNode(n.children[0], trace);
      result = c == Tri::kUnknown ? c : FromBool(c == Tri::kFalse);
      break;
    }
    case NodeKind::kAll:
    case NodeKind::kAny: {
      // all: false dominates, then unknown. any: true dominates, then unknown.
      Tri dominant = n.kind == NodeKind::kAll ? Tri::kFalse : Tri::kTrue;
      result = n.kind == NodeKind::kAll ? Tri::kTrue : Tri::kFalse;
      for (std::uint32_t c : n.children) {
        Tri r = EvalNode(c, trace);
        if (r == dominant) {
          result = dominant;
          if (!trace) break;
        } else if (r == Tri::kUnknown && result != dominant) {
          result = Tri::kUnknown;
        }
      }
      break;
    }
  }
  if (trace) (*trace)[index] = result;
  return result;
}

Tri EvalState::EvalRule(std::size_t rule, std::vector<Tri>* trace) {
  std::int64_t root = program_.roots[rule];
  return root < 0 ? Tri::kTrue : EvalNode(static_cast<std::uint32_t>(root), trace);
}

}  // namespace oversight::policy::internal
