#include "oversight/policy/scenario.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "oversight/common/time_format.h"
#include "oversight/policy/case.h"
#include "oversight/policy/request.h"
#include "oversight/policy/warrant_registry.h"

namespace oversight::policy {
namespace {

Status At(std::string_view source, const JsonValue& v, const std::string& message) {
  return Status::InvalidArgument(FormatPos(source, v.pos) + ": " + message);
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return "[" + out + "]";
}

std::vector<std::string> Ids(const std::vector<RuleHit>& hits) {
  std::vector<std::string> out;
  for (const RuleHit& h : hits) out.push_back(h.rule->id);
  std::sort(out.begin(), out.end());
  return out;
}

void CheckIds(const JsonValue& expect, std::string_view key, const std::vector<RuleHit>& actual,
              ScenarioResult& r) {
  const JsonValue* want = expect.Find(key);
  if (!want) return;
  std::vector<std::string> w;
  for (const JsonValue& item : want->items) w.push_back(item.text);
  std::sort(w.begin(), w.end());
  std::vector<std::string> got = Ids(actual);
  if (w != got)
    r.failures.push_back(std::string(key) + ": expected " + Join(w) + ", got " + Join(got));
}

void CheckObligations(const JsonValue& want, const Obligations& got, ScenarioResult& r) {
  for (const JsonMember& m : want.members) {
    bool ok = true;
    std::string actual;
    if (m.key == "min_similarity") {
      ok = got.min_similarity && *got.min_similarity == m.value.number;
      actual = got.min_similarity ? std::to_string(*got.min_similarity) : "none";
    } else if (m.key == "max_results") {
      ok = got.max_results && static_cast<double>(*got.max_results) == m.value.number;
      actual = got.max_results ? std::to_string(*got.max_results) : "none";
    } else if (m.key == "human_review_required") {
      ok = got.human_review_required == m.value.boolean;
      actual = got.human_review_required ? "true" : "false";
    } else if (m.key == "exclude_record_status") {
      std::vector<std::string> w,
          g(got.exclude_record_status.begin(), got.exclude_record_status.end());
      for (const JsonValue& item : m.value.items) w.push_back(item.text);
      std::sort(w.begin(), w.end());
      std::sort(g.begin(), g.end());
      ok = w == g;
      actual = Join(g);
    } else {
      ok = false;
      actual = "(unknown obligation \"" + m.key + "\")";
    }
    if (!ok)
      r.failures.push_back("obligations." + m.key + ": expected " + ToJsonText(m.value) + ", got " +
                           actual);
  }
}

Status ValidateExpect(std::string_view source, const JsonValue& scenario,
                      const JsonValue*& expect) {
  expect = scenario.Find("expect");
  if (!expect || !expect->is_object()) return At(source, scenario, "a scenario needs \"expect\"");
  const JsonValue* d = expect->Find("decision");
  if (!d || !d->is_string() || (d->text != "allow" && d->text != "deny")) {
    return At(source, *expect, "expect.decision must be \"allow\" or \"deny\"");
  }
  for (const JsonMember& m : expect->members) {
    bool list = m.key == "permitting" || m.key == "forbidding" || m.key == "obligating";
    if (list && m.value.is_array()) continue;
    if (m.key == "obligations" && m.value.is_object()) continue;
    if (m.key != "decision")
      return At(source, m.value, "unknown or mistyped expect member \"" + m.key + "\"");
  }
  return Status::Ok();
}

class Runner {
 public:
  Runner(std::string source, const CompiledPack& pack, const WarrantRegistry* registry,
         ScenarioReport& report)
      : source_(std::move(source)), pack_(pack), registry_(registry), report_(report) {
    for (const RuleInfo& r : pack.rules())
      report.coverage.push_back({r.id, 0, 0, !r.has_condition});
    for (const RetentionRule& r : pack.retention()) report.coverage.push_back({r.id});
  }

  Status RunDecision(const JsonValue& scenario, const JsonValue& base, TimePoint now);
  Status RunRetention(const JsonValue& c, TimePoint now);

 private:
  std::string source_;
  const CompiledPack& pack_;
  const WarrantRegistry* registry_;  // the file's "warrant_registry", or null
  ScenarioReport& report_;
};

// True if the scenario gives a facts.warrant fixture, which then wins over the file's warrant
// registry, so a scenario can still simulate an outage or a missing warrant. Checked before
// and after merging with "base", because a null member is dropped by the merge.
bool HasWarrantFixture(const JsonValue& scenario) {
  const JsonValue* facts = scenario.Find("facts");
  return facts && facts->is_object() && facts->Find("warrant");
}

Status Runner::RunDecision(const JsonValue& scenario, const JsonValue& base, TimePoint now) {
  const JsonValue* expect = nullptr;
  OVERSIGHT_RETURN_IF_ERROR(ValidateExpect(source_, scenario, expect));
  JsonValue merged = MergeJson(base, scenario);
  merged.pos = scenario.pos;
  if (!merged.Find("request")) return At(source_, scenario, "a scenario needs \"request\"");
  OVERSIGHT_ASSIGN_OR_RETURN(Case c, ParseCase(merged, source_, now));
  Facts facts = c.facts();
  if (registry_ && !HasWarrantFixture(scenario) && !HasWarrantFixture(merged)) {
    facts.warrants = registry_;
  }
  Decision d = pack_.Evaluate(c.request, facts);
  ScenarioResult r{c.name, FormatPos(source_, scenario.pos), false, {}, d.allow ? "allow" : "deny"};
  if (r.decision != expect->Find("decision")->text) {
    r.failures.push_back("decision: expected " + expect->Find("decision")->text + ", got " +
                         r.decision);
  }
  CheckIds(*expect, "permitting", d.permitting, r);
  CheckIds(*expect, "forbidding", d.forbidding, r);
  CheckIds(*expect, "obligating", d.obligating, r);
  if (const JsonValue* o = expect->Find("obligations")) CheckObligations(*o, d.obligations, r);
  r.passed = r.failures.empty();
  std::set<const RuleInfo*> fired;
  for (const auto* list : {&d.permitting, &d.forbidding, &d.obligating}) {
    for (const RuleHit& h : *list) fired.insert(h.rule);
  }
  for (std::size_t i = 0; i < pack_.rules().size(); ++i) {
    (fired.count(&pack_.rules()[i]) ? report_.coverage[i].applied
                                    : report_.coverage[i].not_applied)++;
  }
  report_.results.push_back(std::move(r));
  return Status::Ok();
}

Status Runner::RunRetention(const JsonValue& c, TimePoint now) {
  const JsonValue* name = c.Find("name");
  const JsonValue* records = c.Find("records");
  const JsonValue* expect = c.Find("expect_purged");
  if (!name || !records || !records->is_array() || !expect || !expect->is_array()) {
    return At(source_, c, "a retention case needs name, records and expect_purged");
  }
  if (const JsonValue* n = c.Find("now")) {
    auto t = ParsePolicyTime(n->text);
    if (!t.ok()) return At(source_, *n, "now must be an RFC 3339 time");
    now = *t;
  }
  std::vector<RecordStatus> recs;
  for (const JsonValue& rec : records->items) {
    const JsonValue* id = rec.Find("id");
    const JsonValue* st = rec.Find("charge_status");
    const JsonValue* at = rec.Find("status_changed_at");
    auto t =
        at ? ParsePolicyTime(at->text) : StatusOr<TimePoint>(Status::InvalidArgument("missing"));
    if (!id || !st || !t.ok())
      return At(source_, rec, "a record needs id, charge_status, status_changed_at");
    recs.push_back({id->text, st->text, *t});
  }
  auto orders = pack_.RecordsToPurge(recs, now);
  std::vector<std::string> got, want;
  for (const PurgeOrder& o : orders) got.push_back(o.record_id);
  for (const JsonValue& item : expect->items) want.push_back(item.text);
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  ScenarioResult r{name->text, FormatPos(source_, c.pos), got == want, {}, "purge " + Join(got)};
  if (!r.passed) r.failures.push_back("expected purge " + Join(want) + ", got " + Join(got));
  std::size_t offset = pack_.rules().size();
  for (std::size_t i = 0; i < pack_.retention().size(); ++i) {
    bool used = std::any_of(orders.begin(), orders.end(),
                            [&](const PurgeOrder& o) { return o.rule == &pack_.retention()[i]; });
    (used ? report_.coverage[offset + i].applied : report_.coverage[offset + i].not_applied)++;
  }
  report_.results.push_back(std::move(r));
  return Status::Ok();
}

StatusOr<std::string> PackPath(const std::string& path, const JsonValue& root,
                               const std::string& pack_override) {
  if (!pack_override.empty()) return pack_override;
  const JsonValue* pack = root.Find("pack");
  if (!pack || !pack->is_string())
    return At(path, root, "no \"pack\" in the file and no --rules given");
  return (std::filesystem::path(path).parent_path() / pack->text).string();
}

// The optional "warrant_registry": a registry file (relative to the scenario file) whose
// warrants are looked up, and whose court signatures are checked against its own court keys,
// for every scenario without a facts.warrant fixture.
StatusOr<std::unique_ptr<JsonWarrantRegistry>> LoadScenarioRegistry(const std::string& path,
                                                                    const JsonValue& root,
                                                                    std::string& registry_path) {
  const JsonValue* reg = root.Find("warrant_registry");
  if (!reg) return std::unique_ptr<JsonWarrantRegistry>();
  if (!reg->is_string() || reg->text.empty()) {
    return At(path, *reg, "warrant_registry must be a file name (relative to this file)");
  }
  registry_path = (std::filesystem::path(path).parent_path() / reg->text).string();
  auto loaded = JsonWarrantRegistry::LoadFile(registry_path);
  if (!loaded.ok()) {
    return Status(loaded.status().code(),
                  FormatPos(path, reg->pos) + ": warrant_registry: " + loaded.status().message());
  }
  return std::move(*loaded);
}

}  // namespace

int ScenarioReport::passed() const {
  return static_cast<int>(
      std::count_if(results.begin(), results.end(), [](auto& r) { return r.passed; }));
}
int ScenarioReport::failed() const { return static_cast<int>(results.size()) - passed(); }

std::vector<std::string> ScenarioReport::UncoveredRules() const {
  std::vector<std::string> out;
  for (const RuleCoverage& c : coverage) {
    if (!c.BothWays()) out.push_back(c.id);
  }
  return out;
}

StatusOr<ScenarioReport> RunScenarioFile(const std::string& path,
                                         const std::string& pack_override) {
  OVERSIGHT_ASSIGN_OR_RETURN(JsonValue root, ParseJsoncFile(path));
  const JsonValue* format = root.Find("format");
  if (!format || format->number != 1) return At(path, root, "scenario file needs \"format\": 1");
  OVERSIGHT_ASSIGN_OR_RETURN(std::string pack_path, PackPath(path, root, pack_override));
  OVERSIGHT_ASSIGN_OR_RETURN(auto pack, LoadPackFile(pack_path));
  TimePoint now{};
  if (const JsonValue* n = root.Find("now")) {
    auto t = ParsePolicyTime(n->text);
    if (!t.ok()) return At(path, *n, "now must be an RFC 3339 time");
    now = *t;
  }
  std::string registry_path;
  OVERSIGHT_ASSIGN_OR_RETURN(auto registry, LoadScenarioRegistry(path, root, registry_path));
  ScenarioReport report{path, pack_path, registry_path, pack->sha256_hex(), {}, {}};
  Runner runner(path, *pack, registry.get(), report);
  JsonValue empty;
  empty.kind = JsonValue::Kind::kObject;
  const JsonValue* base = root.Find("base");
  const JsonValue* scenarios = root.Find("scenarios");
  if (scenarios && scenarios->is_array()) {
    for (const JsonValue& s : scenarios->items) {
      OVERSIGHT_RETURN_IF_ERROR(runner.RunDecision(s, base ? *base : empty, now));
    }
  }
  if (const JsonValue* ret = root.Find("retention")) {
    for (const JsonValue& c : ret->items) OVERSIGHT_RETURN_IF_ERROR(runner.RunRetention(c, now));
  }
  return report;
}

}  // namespace oversight::policy
