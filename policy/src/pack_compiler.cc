// Compiles a whole rule pack: metadata, rules, obligations and retention rules.
// Collects every error it can (not just the first) so staff fix a file in one pass.
#include <algorithm>
#include <set>

#include "condition_compiler.h"
#include "oversight/common/canonical_json.h"
#include "oversight/common/encoding.h"
#include "oversight/common/hash.h"
#include "oversight/policy/pack.h"
#include "program.h"
#include "util.h"

namespace oversight::policy {
namespace {

using internal::ConditionCompiler;
using internal::Program;

class PackCompiler {
 public:
  PackCompiler(std::string_view source, std::vector<Diagnostic>& diags)
      : source_(source),
        diags_(diags),
        program_(std::make_unique<Program>()),
        conditions_(source, *program_, diags) {}

  std::shared_ptr<const CompiledPack> Compile(const JsonValue& root);

 private:
  void Error(JsonPos pos, std::string code, std::string message) {
    diags_.push_back({std::string(source_), pos, Diagnostic::Severity::kError, std::move(code),
                      std::move(message)});
  }
  bool CheckMembers(const JsonValue& obj, std::initializer_list<std::string_view> allowed,
                    std::string_view what);
  const JsonValue* Require(const JsonValue& obj, std::string_view key, JsonValue::Kind kind,
                           std::string_view what);
  void Metadata(const JsonValue& root);
  void Rule(const JsonValue& v);
  void Obligations(const JsonValue& v, ObligationSpec& out);
  bool StatusMask(const JsonValue& v, std::uint64_t& mask);
  void Retention(const JsonValue& v);
  bool CheckId(const JsonValue* id);

  std::string_view source_;
  std::vector<Diagnostic>& diags_;
  std::unique_ptr<Program> program_;
  ConditionCompiler conditions_;
  PackMetadata meta_;
  std::vector<RuleInfo> rules_;
  std::vector<RetentionRule> retention_;
  std::set<std::string> ids_;
};

bool PackCompiler::CheckMembers(const JsonValue& obj,
                                std::initializer_list<std::string_view> allowed,
                                std::string_view what) {
  bool ok = true;
  for (const JsonMember& m : obj.members) {
    if (std::find(allowed.begin(), allowed.end(), m.key) != allowed.end()) continue;
    std::vector<std::string_view> names(allowed);
    std::string_view hint = ClosestMatch(m.key, names);
    Error(m.key_pos, "unknown-field",
          "unknown member \"" + m.key + "\" in " + std::string(what) +
              (hint.empty() ? "" : " (did you mean \"" + std::string(hint) + "\"?)"));
    ok = false;
  }
  return ok;
}

const JsonValue* PackCompiler::Require(const JsonValue& obj, std::string_view key,
                                       JsonValue::Kind kind, std::string_view what) {
  const JsonValue* v = obj.Find(key);
  if (!v) {
    Error(obj.pos, "missing-field", std::string(what) + " needs \"" + std::string(key) + "\"");
    return nullptr;
  }
  if (v->kind != kind) {
    Error(v->pos, "schema",
          "\"" + std::string(key) + "\" must be a " + std::string(JsonKindName(kind)) + ", not a " +
              std::string(JsonKindName(v->kind)));
    return nullptr;
  }
  return v;
}

void PackCompiler::Metadata(const JsonValue& root) {
  CheckMembers(
      root,
      {"format", "name", "jurisdiction", "version", "description", "sources", "rules", "retention"},
      "the pack");
  if (const JsonValue* f = Require(root, "format", JsonValue::Kind::kNumber, "the pack")) {
    if (f->number != 1) Error(f->pos, "format", "unsupported format " + f->text + "; expected 1");
  }
  std::pair<const char*, std::string*> strings[] = {{"name", &meta_.name},
                                                    {"jurisdiction", &meta_.jurisdiction},
                                                    {"version", &meta_.version},
                                                    {"description", &meta_.description}};
  for (auto [key, out] : strings) {
    if (const JsonValue* v = Require(root, key, JsonValue::Kind::kString, "the pack"))
      *out = v->text;
  }
  if (const JsonValue* s = Require(root, "sources", JsonValue::Kind::kArray, "the pack")) {
    for (const JsonValue& item : s->items) {
      if (!item.is_string()) Error(item.pos, "schema", "sources must be strings");
      meta_.sources.push_back(item.text);
    }
  }
}

bool PackCompiler::CheckId(const JsonValue* id) {
  if (!id) return false;
  bool well_formed = !id->text.empty() && id->text.size() <= 128 &&
                     std::all_of(id->text.begin(), id->text.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                              c == '.' || c == ':';
                     });
  if (!well_formed) {
    Error(id->pos, "bad-id", "ids use letters, digits, '-', '_', '.', ':' (at most 128)");
    return false;
  }
  if (!ids_.insert(id->text).second) {
    Error(id->pos, "duplicate-id", "duplicate id \"" + id->text + "\"");
    return false;
  }
  return true;
}

void PackCompiler::Rule(const JsonValue& v) {
  if (!v.is_object()) return Error(v.pos, "schema", "each rule must be an object");
  CheckMembers(v, {"id", "effect", "when", "message", "citation", "obligations"}, "a rule");
  RuleInfo rule;
  rule.pos = v.pos;
  const JsonValue* id = Require(v, "id", JsonValue::Kind::kString, "a rule");
  if (CheckId(id)) rule.id = id->text;
  if (const JsonValue* e = Require(v, "effect", JsonValue::Kind::kString, "a rule")) {
    if (e->text == "permit")
      rule.effect = Effect::kPermit;
    else if (e->text == "forbid")
      rule.effect = Effect::kForbid;
    else if (e->text == "obligate")
      rule.effect = Effect::kObligate;
    else
      Error(e->pos, "unknown-value", "effect must be permit, forbid or obligate");
  }
  if (const JsonValue* m = Require(v, "message", JsonValue::Kind::kString, "a rule"))
    rule.message = m->text;
  if (const JsonValue* c = Require(v, "citation", JsonValue::Kind::kString, "a rule"))
    rule.citation = c->text;
  const JsonValue* obligations = v.Find("obligations");
  if (rule.effect == Effect::kObligate) {
    if (!obligations)
      Error(v.pos, "missing-field", "an obligate rule needs \"obligations\"");
    else
      Obligations(*obligations, rule.obligations);
  } else if (obligations) {
    Error(obligations->pos, "schema", "only obligate rules carry obligations");
  }
  std::int64_t root = -1;
  if (const JsonValue* when = v.Find("when")) {
    auto node = conditions_.Compile(*when);
    root = node ? static_cast<std::int64_t>(*node) : -1;
    rule.has_condition = true;
  }
  program_->roots.push_back(root);
  rules_.push_back(std::move(rule));
}

void PackCompiler::Obligations(const JsonValue& v, ObligationSpec& out) {
  if (!v.is_object() || v.members.empty()) {
    return Error(v.pos, "schema", "obligations must be a non-empty object");
  }
  CheckMembers(
      v,
      {"min_similarity", "max_results", "exclude_record_status", "human_review_required", "notice"},
      "obligations");
  if (const JsonValue* s = v.Find("min_similarity")) {
    if (!s->is_number() || s->number < 0 || s->number > 100) {
      Error(s->pos, "type-mismatch", "min_similarity is a number from 0 to 100");
    }
    out.min_similarity = s->number;
  }
  if (const JsonValue* m = v.Find("max_results")) {
    auto n = m->is_number() ? internal::WholeNumber(m->number, 1, 4096) : std::nullopt;
    if (!n) Error(m->pos, "type-mismatch", "max_results is a whole number from 1 to 4096");
    out.max_results = n.value_or(1);
  }
  if (const JsonValue* x = v.Find("exclude_record_status")) StatusMask(*x, out.exclude_status_mask);
  if (const JsonValue* h = v.Find("human_review_required")) {
    if (!h->is_bool()) Error(h->pos, "type-mismatch", "human_review_required is true or false");
    out.human_review_required = h->boolean;
  }
  if (const JsonValue* n = v.Find("notice")) {
    if (!n->is_string()) Error(n->pos, "type-mismatch", "notice is a string");
    out.notice = n->text;
  }
}

bool PackCompiler::StatusMask(const JsonValue& v, std::uint64_t& mask) {
  if (!v.is_array()) {
    Error(v.pos, "type-mismatch", "expected an array of record charge statuses");
    return false;
  }
  bool ok = true;
  for (const JsonValue& item : v.items) {
    auto code = item.is_string() ? ChargeStatusCode(item.text) : std::nullopt;
    if (!code) {
      std::string hint(ClosestMatch(item.text, ChargeStatusValues()));
      Error(item.pos, "unknown-value",
            "\"" + item.text + "\" is not a charge status" +
                (hint.empty() ? "" : " (did you mean \"" + hint + "\"?)"));
      ok = false;
      continue;
    }
    mask |= std::uint64_t{1} << *code;
  }
  return ok;
}

void PackCompiler::Retention(const JsonValue& v) {
  if (!v.is_object()) return Error(v.pos, "schema", "each retention rule must be an object");
  CheckMembers(v, {"id", "charge_status_in", "older_than", "message", "citation"},
               "a retention rule");
  RetentionRule r;
  r.pos = v.pos;
  const JsonValue* id = Require(v, "id", JsonValue::Kind::kString, "a retention rule");
  if (CheckId(id)) r.id = id->text;
  if (const JsonValue* s =
          Require(v, "charge_status_in", JsonValue::Kind::kArray, "a retention rule")) {
    StatusMask(*s, r.status_mask);
  }
  if (const JsonValue* o = Require(v, "older_than", JsonValue::Kind::kString, "a retention rule")) {
    auto d = internal::ParseDuration(o->text);
    if (!d) Error(o->pos, "type-mismatch", "older_than is a duration such as \"0s\" or \"30d\"");
    r.older_than = d.value_or(std::chrono::seconds(0));
  }
  if (const JsonValue* m = Require(v, "message", JsonValue::Kind::kString, "a retention rule"))
    r.message = m->text;
  if (const JsonValue* c = Require(v, "citation", JsonValue::Kind::kString, "a retention rule"))
    r.citation = c->text;
  retention_.push_back(std::move(r));
}

std::shared_ptr<const CompiledPack> PackCompiler::Compile(const JsonValue& root) {
  if (!root.is_object()) {
    Error(root.pos, "schema", "a rule pack is a JSON object");
    return nullptr;
  }
  Metadata(root);
  if (const JsonValue* rules = Require(root, "rules", JsonValue::Kind::kArray, "the pack")) {
    for (const JsonValue& r : rules->items) Rule(r);
  }
  if (const JsonValue* ret = root.Find("retention")) {
    if (!ret->is_array()) Error(ret->pos, "schema", "\"retention\" must be an array");
    for (const JsonValue& r : ret->items) Retention(r);
  }
  if (HasErrors(diags_)) return nullptr;
  auto canonical = CanonicalizeJson(ToJsonText(root));
  if (!canonical.ok()) {
    Error(root.pos, "canonical-json", canonical.status().message());
    return nullptr;
  }
  meta_.source_path = std::string(source_);
  return std::make_shared<const CompiledPack>(std::move(meta_), HexEncode(Sha256(*canonical)),
                                              std::move(rules_), std::move(retention_),
                                              std::move(program_));
}

}  // namespace

CompileResult CompilePack(std::string_view text, std::string_view source) {
  CompileResult result;
  JsonError error;
  auto root = ParseJsonc(text, source, {}, &error);
  if (!root.ok()) {
    result.diagnostics.push_back(
        {std::string(source), error.pos, Diagnostic::Severity::kError, "syntax", error.reason});
    return result;
  }
  result.pack = PackCompiler(source, result.diagnostics).Compile(*root);
  return result;
}

}  // namespace oversight::policy
