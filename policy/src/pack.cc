#include "oversight/policy/pack.h"

#include "evaluator.h"
#include "program.h"

namespace oversight::policy {

using internal::Tri;

std::string_view EffectName(Effect effect) {
  switch (effect) {
    case Effect::kPermit:
      return "permit";
    case Effect::kForbid:
      return "forbid";
    case Effect::kObligate:
      return "obligate";
  }
  return "?";
}

std::string Diagnostic::ToString() const {
  std::string out = pos.line ? FormatPos(source, pos) : source;
  out += severity == Severity::kError ? ": error [" : ": warning [";
  return out + code + "]: " + message;
}

bool HasErrors(const std::vector<Diagnostic>& diagnostics) {
  for (const Diagnostic& d : diagnostics) {
    if (d.severity == Diagnostic::Severity::kError) return true;
  }
  return false;
}

CompiledPack::CompiledPack(PackMetadata metadata, std::string sha256_hex,
                           std::vector<RuleInfo> rules, std::vector<RetentionRule> retention,
                           std::unique_ptr<internal::Program> program)
    : metadata_(std::move(metadata)),
      sha256_hex_(std::move(sha256_hex)),
      rules_(std::move(rules)),
      retention_(std::move(retention)),
      program_(std::move(program)) {}

CompiledPack::~CompiledPack() = default;

namespace {

void MergeObligations(const ObligationSpec& spec, std::uint64_t& exclude, Obligations& out) {
  if (spec.min_similarity && (!out.min_similarity || *spec.min_similarity > *out.min_similarity)) {
    out.min_similarity = spec.min_similarity;
  }
  if (spec.max_results && (!out.max_results || *spec.max_results < *out.max_results)) {
    out.max_results = spec.max_results;
  }
  exclude |= spec.exclude_status_mask;
  out.human_review_required = out.human_review_required || spec.human_review_required;
  if (!spec.notice.empty()) out.notices.push_back(spec.notice);
}

}  // namespace

Decision CompiledPack::Evaluate(const RequestDoc& request, const Facts& facts) const {
  Decision d;
  d.pack_name = metadata_.name;
  d.pack_sha256 = sha256_hex_;
  internal::EvalState state(*program_, request, facts);
  std::uint64_t exclude = 0;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const RuleInfo& rule = rules_[i];
    Tri r = state.EvalRule(i, nullptr);
    if (r == Tri::kFalse) continue;
    RuleHit hit{&rule, r == Tri::kUnknown};
    if (rule.effect == Effect::kPermit) {
      if (r == Tri::kTrue) d.permitting.push_back(hit);
    } else if (rule.effect == Effect::kForbid) {
      d.forbidding.push_back(hit);
    } else {
      d.obligating.push_back(hit);
      MergeObligations(rule.obligations, exclude, d.obligations);
    }
  }
  auto statuses = ChargeStatusValues();
  for (std::size_t b = 0; b < statuses.size(); ++b) {
    if ((exclude >> b) & 1) d.obligations.exclude_record_status.push_back(statuses[b]);
  }
  d.allow = !d.permitting.empty() && d.forbidding.empty();
  return d;
}

std::vector<std::string> Decision::Reasons() const {
  std::vector<std::string> out;
  auto line = [](std::string_view verb, const RuleHit& h) {
    std::string s = std::string(verb) + " by " + h.rule->id + ": " + h.rule->message + " [" +
                    h.rule->citation + "]";
    if (h.undecided)
      s += " (a fact it needs was missing or unavailable, so it applies: fail closed)";
    return s;
  };
  for (const RuleHit& h : forbidding) out.push_back(line("forbidden", h));
  if (permitting.empty()) out.push_back("no permit rule matched: denied by default");
  for (const RuleHit& h : permitting) out.push_back(line("permitted", h));
  if (allow) {
    for (const RuleHit& h : obligating) out.push_back(line("obligation", h));
  }
  return out;
}

std::vector<PurgeOrder> CompiledPack::RecordsToPurge(std::span<const RecordStatus> records,
                                                     TimePoint now) const {
  std::vector<PurgeOrder> out;
  for (const RecordStatus& rec : records) {
    auto code = ChargeStatusCode(rec.charge_status);
    if (!code) continue;
    for (const RetentionRule& r : retention_) {
      bool status_matches = ((r.status_mask >> *code) & 1) != 0;
      if (status_matches && now - rec.status_changed_at >= r.older_than) {
        out.push_back({rec.record_id, &r});
        break;
      }
    }
  }
  return out;
}

CompileResult CompilePackFile(const std::string& path) {
  auto text = ReadTextFile(path, JsonLimits{}.max_bytes);
  if (!text.ok()) {
    CompileResult r;
    r.diagnostics.push_back(
        {path, {}, Diagnostic::Severity::kError, "io", text.status().message()});
    return r;
  }
  return CompilePack(*text, path);
}

StatusOr<std::shared_ptr<const CompiledPack>> LoadPackFile(const std::string& path) {
  CompileResult r = CompilePackFile(path);
  if (r.pack) return r.pack;
  std::string message;
  for (const Diagnostic& d : r.diagnostics) {
    if (d.severity != Diagnostic::Severity::kError) continue;
    message += (message.empty() ? "" : "\n") + d.ToString();
  }
  if (!r.diagnostics.empty() && r.diagnostics[0].code == "io") {
    return Status::NotFound(message);
  }
  return Status::InvalidArgument(message);
}

std::shared_ptr<const CompiledPack> PolicyStore::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pack_;
}

Status PolicyStore::Reload(const std::string& path) {
  auto loaded = LoadPackFile(path);
  if (!loaded.ok()) return loaded.status().WithContext("reload failed, keeping the old pack");
  std::lock_guard<std::mutex> lock(mu_);
  pack_ = std::move(*loaded);
  return Status::Ok();
}

}  // namespace oversight::policy
