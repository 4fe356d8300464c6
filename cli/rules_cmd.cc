// `oversight rules ...`: the rule-testing tools for legislators' staff. Thin: all logic lives
// in the policy library; this file parses flags and prints text or JSON.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "command.h"
#include "oversight/common/time_format.h"
#include "oversight/policy/case.h"
#include "oversight/policy/diff.h"
#include "oversight/policy/explain.h"
#include "oversight/policy/lint.h"
#include "oversight/policy/scenario.h"

namespace oversight::cli {
namespace {

namespace pol = oversight::policy;
using nlohmann::json;

void PrintJson(const json& j) {
  std::cout << j.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

// ---- lint ----------------------------------------------------------------------------------

struct LintOptions {
  std::vector<std::string> files;
  bool strict = false;
  bool json_out = false;
};

int RunLint(const LintOptions& o) {
  json out = json::array();
  bool errors = false, warnings = false, io = false;
  for (const std::string& f : o.files) {
    for (const pol::Diagnostic& d : pol::LintPackFile(f)) {
      bool is_error = d.severity == pol::Diagnostic::Severity::kError;
      errors = errors || is_error;
      warnings = warnings || !is_error;
      io = io || d.code == "io";
      out.push_back({{"file", d.source},
                     {"line", d.pos.line},
                     {"column", d.pos.column},
                     {"severity", is_error ? "error" : "warning"},
                     {"code", d.code},
                     {"message", d.message}});
      if (!o.json_out) std::cout << d.ToString() << "\n";
    }
    if (!o.json_out && out.empty()) std::cout << f << ": ok\n";
  }
  if (o.json_out) PrintJson(out);
  if (io) return kExitError;
  return errors || (o.strict && warnings) ? kExitInvalid : kExitOk;
}

void AddLint(CLI::App& rules, Context& ctx) {
  auto o = std::make_shared<LintOptions>();
  CLI::App* cmd = rules.add_subcommand(
      "lint",
      "Check rule packs for mistakes before they are used.\n"
      "Reports file:line:column for syntax errors, unknown members, request paths the\n"
      "schema does not have, type mismatches (a string compared with a number), enum\n"
      "values that do not exist, rules that can never match, and permits that a forbid\n"
      "always overrides.");
  cmd->add_option("files", o->files, "Rule pack files (JSON with // comments)")->required();
  cmd->add_flag("--strict", o->strict, "Treat warnings as failures (exit 1)");
  cmd->add_flag("--json", o->json_out, "Print findings as a JSON array");
  cmd->footer(
      "Example:\n  oversight rules lint rules/baseline.json rules/wa-rcw-43-386.json\n"
      "Exit codes: 0 no errors, 1 errors found (or warnings with --strict), 2 unreadable file.");
  cmd->callback([o, &ctx] { ctx.exit_code = RunLint(*o); });
}

// ---- test ----------------------------------------------------------------------------------

struct TestOptions {
  std::vector<std::string> files;
  std::string rules;
  bool json_out = false;
  bool require_coverage = false;
  bool verbose = false;
};

json ReportJson(const pol::ScenarioReport& r) {
  json j = {{"scenario_file", r.scenario_file},
            {"pack", r.pack_file},
            {"pack_sha256", r.pack_sha256},
            {"passed", r.passed()},
            {"failed", r.failed()},
            {"results", json::array()},
            {"not_tested_both_ways", r.UncoveredRules()}};
  if (!r.warrant_registry_file.empty()) j["warrant_registry"] = r.warrant_registry_file;
  for (const pol::ScenarioResult& s : r.results) {
    j["results"].push_back({{"name", s.name},
                            {"location", s.location},
                            {"passed", s.passed},
                            {"decision", s.decision},
                            {"failures", s.failures}});
  }
  return j;
}

void PrintReport(const pol::ScenarioReport& r, bool verbose) {
  std::cout << r.scenario_file << " against " << r.pack_file;
  if (!r.warrant_registry_file.empty())
    std::cout << " (warrants: " << r.warrant_registry_file << ")";
  std::cout << "\n";
  for (const pol::ScenarioResult& s : r.results) {
    if (s.passed && !verbose) continue;
    std::printf("  %s  %s  (%s) -> %s\n", s.passed ? "PASS" : "FAIL", s.name.c_str(),
                s.location.c_str(), s.decision.c_str());
    for (const std::string& f : s.failures) std::printf("         %s\n", f.c_str());
  }
  for (const std::string& id : r.UncoveredRules()) {
    std::printf("  note: rule %s is not tested both ways (applies and does not apply)\n",
                id.c_str());
  }
  std::printf("PASS: %d/%zu\n", r.passed(), r.results.size());
}

int RunTest(const TestOptions& o) {
  json out = json::array();
  int code = kExitOk;
  for (const std::string& f : o.files) {
    auto report = pol::RunScenarioFile(f, o.rules);
    if (!report.ok()) return ReportError(report.status());
    if (report->failed() > 0) code = kExitInvalid;
    if (o.require_coverage && !report->UncoveredRules().empty()) code = kExitInvalid;
    if (o.json_out)
      out.push_back(ReportJson(*report));
    else
      PrintReport(*report, o.verbose);
  }
  if (o.json_out) PrintJson(out);
  return code;
}

void AddTest(CLI::App& rules, Context& ctx) {
  auto o = std::make_shared<TestOptions>();
  CLI::App* cmd = rules.add_subcommand(
      "test",
      "Run scenario files: requests with the decision you expect, like `opa test`.\n"
      "Each scenario gives a request (and warrant/history facts) and expects allow or\n"
      "deny, optionally the ids of the deciding rules and the obligations. A file may\n"
      "name a \"warrant_registry\" (e.g. rules/warrants.sample.json): scenarios without a\n"
      "warrant fact then look their warrant up there, court signatures checked for real.\n"
      "Failures print what differed; the summary is PASS: n/m.");
  cmd->add_option("scenarios", o->files, "Scenario files (JSON with // comments)")->required();
  cmd->add_option("--rules", o->rules, "Rule pack to test instead of the file's \"pack\"");
  cmd->add_flag("--require-coverage", o->require_coverage,
                "Fail unless every rule both applies and does not apply in some scenario");
  cmd->add_flag("-v,--verbose", o->verbose, "List passing scenarios too");
  cmd->add_flag("--json", o->json_out, "Print results as JSON");
  cmd->footer(
      "Example:\n  oversight rules test rules/baseline.scenarios.json\n"
      "  oversight rules test --rules my-draft.json rules/baseline.scenarios.json\n"
      "Exit codes: 0 all passed, 1 a scenario failed, 2 a file could not be read.");
  cmd->callback([o, &ctx] { ctx.exit_code = RunTest(*o); });
}

// ---- explain -------------------------------------------------------------------------------

struct ExplainOptions {
  std::string rules, request, now;
  bool json_out = false;
};

StatusOr<TimePoint> NowOption(const std::string& now) {
  if (now.empty()) return SystemClock::Instance().Now();
  return pol::ParsePolicyTime(now);
}

json ExplanationJson(const pol::CompiledPack& pack, const pol::Explanation& ex) {
  json rules = json::array();
  for (const pol::RuleExplanation& re : ex.rules) {
    json lines = json::array();
    for (const pol::ConditionLine& l : re.lines) {
      lines.push_back({{"depth", l.depth},
                       {"condition", l.text},
                       {"result", l.result},
                       {"actual", l.actual},
                       {"line", l.pos.line}});
    }
    rules.push_back({{"id", re.rule->id},
                     {"effect", pol::EffectName(re.rule->effect)},
                     {"outcome", re.outcome},
                     {"applies", re.applied},
                     {"decided_by", re.decided_by},
                     {"citation", re.rule->citation},
                     {"message", re.rule->message},
                     {"conditions", lines}});
  }
  return {{"decision", ex.decision.allow ? "allow" : "deny"},
          {"pack", pack.metadata().name},
          {"pack_sha256", pack.sha256_hex()},
          {"reasons", ex.decision.Reasons()},
          {"rules", rules}};
}

int RunExplain(const ExplainOptions& o) {
  auto pack = pol::LoadPackFile(o.rules);
  if (!pack.ok()) return ReportError(pack.status());
  auto now = NowOption(o.now);
  if (!now.ok()) return ReportError(now.status().WithContext("--now"));
  auto doc = pol::ParseJsoncFile(o.request);
  if (!doc.ok()) return ReportError(doc.status());
  auto c = pol::ParseCase(*doc, o.request, *now);
  if (!c.ok()) return ReportError(c.status());
  if (!o.now.empty()) c->now = *now;  // an explicit --now wins over the file's "now"
  pol::Explanation ex = pol::Explain(**pack, c->request, c->facts());
  if (o.json_out)
    PrintJson(ExplanationJson(**pack, ex));
  else
    std::cout << pol::FormatExplanation(**pack, ex);
  return kExitOk;
}

void AddExplain(CLI::App& rules, Context& ctx) {
  auto o = std::make_shared<ExplainOptions>();
  CLI::App* cmd = rules.add_subcommand(
      "explain",
      "Show why a pack allows or denies one request: the decision, the reasons with\n"
      "citations, and for every rule whether it matched, the value of each condition\n"
      "with the actual request values, and the condition that decided it.");
  cmd->add_option("--rules", o->rules, "Rule pack")->required();
  cmd->add_option("--request", o->request,
                  "Request file: a request document, or {\"request\", \"facts\", \"now\"}")
      ->required();
  cmd->add_option("--now", o->now,
                  "Evaluation time (RFC 3339); default: the file's \"now\", else the clock");
  cmd->add_flag("--json", o->json_out, "Print the explanation as JSON");
  cmd->footer(
      "Example:\n  oversight rules explain --rules rules/baseline.json --request req.json\n"
      "Exit codes: 0 explained (allow or deny), 2 unreadable or invalid input.");
  cmd->callback([o, &ctx] { ctx.exit_code = RunExplain(*o); });
}

// ---- diff ----------------------------------------------------------------------------------

struct DiffOptions {
  std::string before, after, requests, now;
  std::size_t examples = 10;
  bool json_out = false;
  bool fail_on_change = false;
};

json DiffJson(const pol::DiffReport& r) {
  json rules = json::object();
  for (const auto& [id, d] : r.rules) rules[id] = {{"before", d.before}, {"after", d.after}};
  json examples = json::array();
  for (const pol::DiffExample& e : r.examples) {
    examples.push_back({{"line", e.line},
                        {"name", e.name},
                        {"before", e.before},
                        {"after", e.after},
                        {"before_reasons", e.before_reasons},
                        {"after_reasons", e.after_reasons}});
  }
  return {{"total", r.total},
          {"allow_to_allow", r.allow_allow},
          {"allow_to_deny", r.allow_deny},
          {"deny_to_allow", r.deny_allow},
          {"deny_to_deny", r.deny_deny},
          {"rules", rules},
          {"examples", examples}};
}

void PrintDiff(const pol::DiffReport& r) {
  std::printf(
      "%d requests\n  allow -> allow: %d\n  allow -> deny:  %d\n  deny  -> allow: %d\n"
      "  deny  -> deny:  %d\n\nrule applications (before -> after):\n",
      r.total, r.allow_allow, r.allow_deny, r.deny_allow, r.deny_deny);
  for (const auto& [id, d] : r.rules) {
    std::printf("  %-45s %5d -> %-5d%s\n", id.c_str(), d.before, d.after,
                d.before != d.after ? " *" : "");
  }
  for (const pol::DiffExample& e : r.examples) {
    std::printf("\nline %d%s%s: %s -> %s\n", e.line, e.name.empty() ? "" : " ", e.name.c_str(),
                e.before.c_str(), e.after.c_str());
    for (const std::string& s : e.after_reasons) std::printf("    now: %s\n", s.c_str());
  }
}

int RunDiff(const DiffOptions& o) {
  auto before = pol::LoadPackFile(o.before);
  if (!before.ok()) return ReportError(before.status());
  auto after = pol::LoadPackFile(o.after);
  if (!after.ok()) return ReportError(after.status());
  auto now = NowOption(o.now);
  if (!now.ok()) return ReportError(now.status().WithContext("--now"));
  auto report = pol::DiffPacks(**before, **after, o.requests, *now, o.examples);
  if (!report.ok()) return ReportError(report.status());
  if (o.json_out)
    PrintJson(DiffJson(*report));
  else
    PrintDiff(*report);
  bool changed = report->allow_deny + report->deny_allow > 0;
  return o.fail_on_change && changed ? kExitInvalid : kExitOk;
}

void AddDiff(CLI::App& rules, Context& ctx) {
  auto o = std::make_shared<DiffOptions>();
  CLI::App* cmd = rules.add_subcommand(
      "diff",
      "Compare two rule packs over a corpus of requests: how many decisions stay the\n"
      "same or flip (allow->deny, deny->allow), how often each rule applies before and\n"
      "after, and example requests whose decision changed, with the new reasons.");
  cmd->add_option("--before", o->before, "The rule pack in force")->required();
  cmd->add_option("--after", o->after, "The proposed rule pack")->required();
  cmd->add_option("--requests", o->requests,
                  "JSON Lines: one request (or {\"request\",\"facts\",\"now\"}) per line")
      ->required();
  cmd->add_option("--now", o->now, "Evaluation time for lines without \"now\" (RFC 3339)");
  cmd->add_option("--examples", o->examples, "How many changed requests to show (default 10)");
  cmd->add_flag("--fail-on-change", o->fail_on_change, "Exit 1 if any decision changes");
  cmd->add_flag("--json", o->json_out, "Print the report as JSON");
  cmd->footer(
      "Example:\n  oversight rules diff --before rules/baseline.json --after draft.json \\\n"
      "      --requests last-month.jsonl\n"
      "Exit codes: 0 compared, 1 a decision changed (with --fail-on-change), 2 bad input.");
  cmd->callback([o, &ctx] { ctx.exit_code = RunDiff(*o); });
}

}  // namespace

void AddRulesCommands(CLI::App& app, Context& ctx) {
  CLI::App* rules = app.add_subcommand(
      "rules",
      "Write, check and test the rule packs that decide whether a face search may run.\n"
      "See docs/rules.md for the language and a tutorial.");
  rules->require_subcommand(1);
  AddLint(*rules, ctx);
  AddTest(*rules, ctx);
  AddExplain(*rules, ctx);
  AddDiff(*rules, ctx);
  AddRulesReplayCommand(*rules, ctx);
}

}  // namespace oversight::cli
