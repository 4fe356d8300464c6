#include "condition_compiler.h"

#include <algorithm>
#include <array>

#include "oversight/common/time_format.h"
#include "oversight/policy/request.h"
#include "util.h"

namespace oversight::policy::internal {
namespace {

struct OpInfo {
  std::string_view name;
  Op op;
  std::initializer_list<FieldType> types;  // field types the operator applies to
};

using T = FieldType;
const std::array<OpInfo, 15> kOps = {{
    {"equals", Op::kEquals, {T::kString, T::kEnum, T::kNumber, T::kBool}},
    {"not_equals", Op::kNotEquals, {T::kString, T::kEnum, T::kNumber, T::kBool}},
    {"in", Op::kIn, {T::kString, T::kEnum, T::kNumber}},
    {"not_in", Op::kNotIn, {T::kString, T::kEnum, T::kNumber}},
    {"lt", Op::kLt, {T::kNumber, T::kTime, T::kDuration}},
    {"le", Op::kLe, {T::kNumber, T::kTime, T::kDuration}},
    {"gt", Op::kGt, {T::kNumber, T::kTime, T::kDuration}},
    {"ge", Op::kGe, {T::kNumber, T::kTime, T::kDuration}},
    {"exists",
     Op::kExists,
     {T::kString, T::kEnum, T::kNumber, T::kBool, T::kTime, T::kDuration, T::kStringSet}},
    {"prefix", Op::kPrefix, {T::kString}},
    {"matches", Op::kMatches, {T::kString}},
    {"contains", Op::kContains, {T::kStringSet}},
    {"contains_any", Op::kContainsAny, {T::kStringSet}},
    {"min_size", Op::kMinSize, {T::kStringSet}},
    {"max_size", Op::kMaxSize, {T::kStringSet}},
}};

const OpInfo* FindOp(std::string_view name) {
  for (const OpInfo& o : kOps) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

std::vector<std::string_view> OpNames() {
  std::vector<std::string_view> names;
  for (const OpInfo& o : kOps) names.push_back(o.name);
  return names;
}

std::vector<std::string_view> PathNames() {
  std::vector<std::string_view> names;
  for (const FieldInfo& f : FieldTable()) names.push_back(f.path);
  return names;
}

std::string Hint(std::string_view word, std::span<const std::string_view> candidates) {
  std::string_view m = ClosestMatch(word, candidates);
  return m.empty() ? "" : " (did you mean \"" + std::string(m) + "\"?)";
}

std::string JoinEnum(const FieldInfo& f) {
  std::string out;
  for (std::string_view v : f.enum_values) out += (out.empty() ? "" : ", ") + std::string(v);
  return out;
}

// "now", "now-60m", "now+1d" (relative to the evaluation time) or an RFC 3339 time.
bool TimeLiteral(std::string_view t, Operand& out) {
  if (t == "now" || t.starts_with("now-") || t.starts_with("now+")) {
    auto d = t == "now" ? std::chrono::seconds(0) : ParseDuration(t.substr(4));
    if (!d) return false;
    out.now_relative = true;
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(*d).count();
    out.scalar = t.starts_with("now-") ? -ns : ns;
    return true;
  }
  auto tp = ParsePolicyTime(t);
  if (!tp.ok()) return false;
  out.scalar = std::chrono::duration_cast<std::chrono::nanoseconds>(tp->time_since_epoch()).count();
  return true;
}

}  // namespace

void ConditionCompiler::Error(JsonPos pos, std::string code, std::string message) {
  diags_.push_back({std::string(source_), pos, Diagnostic::Severity::kError, std::move(code),
                    std::move(message)});
}

std::uint32_t ConditionCompiler::AddNode(Node node) {
  program_.nodes.push_back(std::move(node));
  return static_cast<std::uint32_t>(program_.nodes.size() - 1);
}

std::optional<std::uint32_t> ConditionCompiler::Compile(const JsonValue& v, int depth) {
  if (!v.is_object()) {
    Error(v.pos, "schema",
          "a condition must be an object such as {\"all\": [...]} or "
          "{\"path\": \"context.mode\", \"equals\": \"retrospective\"}");
    return std::nullopt;
  }
  if (depth > 32) {
    Error(v.pos, "too-deep", "conditions nest deeper than 32 levels");
    return std::nullopt;
  }
  if (v.Find("path")) return CompileAtom(v);
  if (v.members.size() != 1) {
    Error(v.pos, "schema", "a combinator object has exactly one member: all, any or not");
    return std::nullopt;
  }
  const JsonMember& m = v.members[0];
  if (m.key == "all") return CompileGroup(m.value, NodeKind::kAll, depth);
  if (m.key == "any") return CompileGroup(m.value, NodeKind::kAny, depth);
  if (m.key == "not") {
    auto child = Compile(m.value, depth + 1);
    if (!child) return std::nullopt;
    return AddNode({NodeKind::kNot, {*child}, 0, v.pos});
  }
  Error(m.key_pos, "unknown-field",
        "unknown condition \"" + m.key + "\": use all, any, not, or a comparison with \"path\"");
  return std::nullopt;
}

std::optional<std::uint32_t> ConditionCompiler::CompileGroup(const JsonValue& v, NodeKind kind,
                                                             int depth) {
  if (!v.is_array()) {
    Error(v.pos, "schema", "all/any take an array of conditions");
    return std::nullopt;
  }
  Node node{kind, {}, 0, v.pos};
  bool ok = true;
  for (const JsonValue& item : v.items) {
    auto child = Compile(item, depth + 1);
    if (child) {
      node.children.push_back(*child);
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return AddNode(std::move(node));
}

std::optional<FieldId> ConditionCompiler::ResolvePath(const JsonValue& v) {
  if (!v.is_string()) {
    Error(v.pos, "schema", "\"path\" must be a string such as \"context.purpose\"");
    return std::nullopt;
  }
  auto id = FindField(v.text);
  if (!id) {
    auto names = PathNames();
    Error(v.pos, "unknown-path",
          "the request schema has no path \"" + v.text + "\"" + Hint(v.text, names) +
              "; docs/rules.md lists every path");
  }
  return id;
}

std::optional<std::uint32_t> ConditionCompiler::CompileAtom(const JsonValue& v) {
  auto field = ResolvePath(*v.Find("path"));
  if (!field) return std::nullopt;
  const FieldInfo& f = FieldTable()[*field];
  Atom atom;
  atom.field = *field;
  atom.type = f.type;
  atom.pos = v.pos;
  if (!CompileWindow(v, f, atom)) return std::nullopt;
  const JsonMember* op_member = nullptr;
  for (const JsonMember& m : v.members) {
    if (m.key == "path" || m.key == "window") continue;
    if (op_member) {
      Error(m.key_pos, "schema", "a comparison has exactly one operator; split it with \"all\"");
      return std::nullopt;
    }
    op_member = &m;
  }
  if (!op_member) {
    Error(v.pos, "schema", "comparison on " + std::string(f.path) + " has no operator");
    return std::nullopt;
  }
  const OpInfo* op = FindOp(op_member->key);
  if (!op) {
    auto names = OpNames();
    Error(op_member->key_pos, "unknown-field",
          "unknown operator \"" + op_member->key + "\"" + Hint(op_member->key, names));
    return std::nullopt;
  }
  if (std::find(op->types.begin(), op->types.end(), f.type) == op->types.end()) {
    Error(op_member->key_pos, "type-mismatch",
          std::string(f.path) + " is a " + std::string(FieldTypeName(f.type)) + "; operator \"" +
              std::string(op->name) + "\" does not apply to it");
    return std::nullopt;
  }
  atom.op = op->op;
  if (!CompileOperand(op_member->value, atom)) return std::nullopt;
  atom.text =
      std::string(f.path) + " " + std::string(op->name) + " " + ToJsonText(op_member->value);
  if (f.source == FieldSource::kHistory) atom.text += " within " + v.Find("window")->text;
  program_.atoms.push_back(std::move(atom));
  return AddNode(
      {NodeKind::kAtom, {}, static_cast<std::uint32_t>(program_.atoms.size() - 1), v.pos});
}

bool ConditionCompiler::CompileWindow(const JsonValue& v, const FieldInfo& f, Atom& atom) {
  const JsonValue* w = v.Find("window");
  bool history = f.source == FieldSource::kHistory;
  if (!history) {
    if (w) Error(w->pos, "schema", "\"window\" applies only to history.* paths");
    return w == nullptr;
  }
  if (!w) {
    Error(v.pos, "schema", std::string(f.path) + " needs a \"window\" such as \"24h\" or \"30d\"");
    return false;
  }
  auto d = w->is_string() ? ParseDuration(w->text) : std::nullopt;
  if (!d || d->count() == 0) {
    Error(w->pos, "type-mismatch", "window must be a positive duration such as \"24h\"");
    return false;
  }
  atom.window = *d;
  auto key = std::make_pair(atom.field, static_cast<std::int64_t>(d->count()));
  auto it = history_slots_.find(key);
  if (it != history_slots_.end()) {
    atom.history_slot = it->second;
  } else if (static_cast<int>(history_slots_.size()) < kHistoryCacheSize) {
    atom.history_slot = static_cast<int>(history_slots_.size());
    history_slots_[key] = atom.history_slot;
  }
  return true;
}

bool ConditionCompiler::CompileOperand(const JsonValue& v, Atom& atom) {
  const FieldInfo& f = FieldTable()[atom.field];
  switch (atom.op) {
    case Op::kExists:
      if (!v.is_bool()) Error(v.pos, "type-mismatch", "\"exists\" takes true or false");
      atom.exists = v.boolean;
      return v.is_bool();
    case Op::kIn:
    case Op::kNotIn:
    case Op::kContainsAny:
      return ListLiteral(f, v, atom);
    case Op::kMinSize:
    case Op::kMaxSize:
      if (!v.is_number() || !WholeNumber(v.number, 0, 1e9)) {
        Error(v.pos, "type-mismatch", "min_size/max_size take a whole number");
        return false;
      }
      atom.operand.number = v.number;
      return true;
    case Op::kPrefix:
    case Op::kMatches:
      if (!v.is_string()) Error(v.pos, "type-mismatch", "prefix/matches take a string");
      atom.operand.str = v.text;
      return v.is_string();
    default:
      break;
  }
  if (v.is_object()) return Reference(f, v, atom.operand);
  if (atom.op == Op::kContains) {
    // A set contains a string: the literal is a plain string.
    FieldInfo string_field = f;
    string_field.type = FieldType::kString;
    return ScalarLiteral(string_field, v, atom.operand);
  }
  return ScalarLiteral(f, v, atom.operand);
}

bool ConditionCompiler::ScalarLiteral(const FieldInfo& f, const JsonValue& v, Operand& out) {
  auto mismatch = [&](std::string_view want) {
    Error(v.pos, "type-mismatch",
          std::string(f.path) + " is a " + std::string(FieldTypeName(f.type)) +
              ", so the value must be " + std::string(want) + ", not a " +
              std::string(JsonKindName(v.kind)));
    return false;
  };
  switch (f.type) {
    case FieldType::kString:
      if (!v.is_string()) return mismatch("a string");
      out.str = v.text;
      return true;
    case FieldType::kNumber:
      if (!v.is_number()) return mismatch("a number");
      out.number = v.number;
      return true;
    case FieldType::kBool:
      if (!v.is_bool()) return mismatch("true or false");
      out.scalar = v.boolean ? 1 : 0;
      return true;
    case FieldType::kEnum: {
      if (!v.is_string()) return mismatch("one of: " + JoinEnum(f));
      auto code = EnumCode(f, v.text);
      if (!code) {
        Error(v.pos, "unknown-value",
              "\"" + v.text + "\" is not a value of " + std::string(f.path) +
                  Hint(v.text, f.enum_values) + "; allowed: " + JoinEnum(f));
        return false;
      }
      out.scalar = *code;
      return true;
    }
    case FieldType::kDuration: {
      auto d = v.is_string() ? ParseDuration(v.text) : std::nullopt;
      if (!d) return mismatch("a duration such as \"60m\" or \"30d\"");
      out.scalar = std::chrono::duration_cast<std::chrono::nanoseconds>(*d).count();
      return true;
    }
    case FieldType::kTime:
      return (v.is_string() && TimeLiteral(v.text, out)) ||
             mismatch("a time: \"now\", \"now-60m\" or RFC 3339 (years 1970-2200)");
    case FieldType::kStringSet:
      return mismatch("a string");
  }
  return false;
}

bool ConditionCompiler::Reference(const FieldInfo& f, const JsonValue& v, Operand& out) {
  const JsonValue* ref = v.Find("ref");
  if (!ref || v.members.size() != 1) {
    Error(v.pos, "schema", "an object operand must be {\"ref\": \"<path>\"}");
    return false;
  }
  auto id = ResolvePath(*ref);
  if (!id) return false;
  const FieldInfo& r = FieldTable()[*id];
  bool text_like = r.type == FieldType::kString || r.type == FieldType::kEnum;
  bool ok = f.type == FieldType::kStringSet
                ? text_like
                : (r.type == f.type && r.source != FieldSource::kHistory);
  if (!ok) {
    Error(ref->pos, "type-mismatch",
          std::string(f.path) + " (" + std::string(FieldTypeName(f.type)) +
              ") cannot be compared with " + std::string(r.path) + " (" +
              std::string(FieldTypeName(r.type)) + ")");
    return false;
  }
  if (f.type == FieldType::kEnum && f.enum_values.data() != r.enum_values.data()) {
    Error(ref->pos, "type-mismatch", "enums of different kinds cannot be compared");
    return false;
  }
  out.ref = *id;
  return true;
}

bool ConditionCompiler::ListLiteral(const FieldInfo& f, const JsonValue& v, Atom& atom) {
  if (!v.is_array()) {
    Error(v.pos, "type-mismatch", "in/not_in/contains_any take an array of values");
    return false;
  }
  FieldInfo item_field = f;
  if (f.type == FieldType::kStringSet) item_field.type = FieldType::kString;
  bool ok = true;
  for (const JsonValue& item : v.items) {
    Operand o;
    if (!ScalarLiteral(item_field, item, o)) {
      ok = false;
      continue;
    }
    if (item_field.type == FieldType::kEnum) atom.enum_mask |= std::uint64_t{1} << o.scalar;
    if (item_field.type == FieldType::kNumber) atom.numbers.push_back(o.number);
    if (item_field.type == FieldType::kString) atom.strings.push_back(o.str);
  }
  std::sort(atom.strings.begin(), atom.strings.end());
  return ok;
}

}  // namespace oversight::policy::internal
