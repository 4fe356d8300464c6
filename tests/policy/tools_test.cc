// Lint, scenario runner, explain and diff: the tools staff use, tested as behaviours.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "oversight/policy/diff.h"
#include "oversight/policy/explain.h"
#include "oversight/policy/lint.h"
#include "oversight/policy/scenario.h"
#include "temp_dir.h"
#include "test_util.h"

namespace oversight::policy {
namespace {

using testing::PackText;

std::vector<std::string> Codes(const std::vector<Diagnostic>& ds) {
  std::vector<std::string> out;
  for (const Diagnostic& d : ds) out.push_back(d.code);
  return out;
}

TEST(Lint, ContradictoryConditionNeverMatches) {
  auto ds = LintPack(PackText(R"([{"id": "p", "effect": "permit", "message": "m", "citation": "c",
      "when": {"all": [{"path": "context.mode", "equals": "real_time"},
                       {"path": "context.mode", "equals": "retrospective"}]}}])"),
                     "p.json");
  EXPECT_EQ(Codes(ds), std::vector<std::string>{"never-matches"});
  EXPECT_EQ(ds[0].severity, Diagnostic::Severity::kWarning);
}

TEST(Lint, EmptyRangeAndEmptySetNeverMatch) {
  auto ds = LintPack(PackText(R"([
      {"id": "a", "effect": "permit", "message": "m", "citation": "c",
       "when": {"all": [{"path": "request.threshold", "gt": 99}, {"path": "request.threshold", "lt": 50}]}},
      {"id": "b", "effect": "permit", "message": "m", "citation": "c",
       "when": {"path": "context.case_id", "in": []}}])"),
                     "p.json");
  EXPECT_EQ(Codes(ds), (std::vector<std::string>{"never-matches", "never-matches"}));
}

TEST(Lint, PermitShadowedByAnAlwaysMatchingForbid) {
  auto ds = LintPack(PackText(R"([
      {"id": "p", "effect": "permit", "message": "m", "citation": "c"},
      {"id": "f", "effect": "forbid", "message": "m", "citation": "c",
       "when": {"path": "context.mode", "in": ["retrospective", "real_time"]}}])"),
                     "p.json");
  ASSERT_EQ(Codes(ds), std::vector<std::string>{"shadowed"});
  EXPECT_NE(ds[0].message.find("matches every request"), std::string::npos);
}

TEST(Lint, PermitShadowedByAForbidImpliedByItsOwnCondition) {
  auto ds = LintPack(PackText(R"([
      {"id": "p", "effect": "permit", "message": "m", "citation": "c",
       "when": {"all": [{"path": "context.source", "equals": "sketch"}, {"path": "action", "equals": "compare"}]}},
      {"id": "f", "effect": "forbid", "message": "m", "citation": "c",
       "when": {"path": "context.source", "equals": "sketch"}}])"),
                     "p.json");
  EXPECT_EQ(Codes(ds), std::vector<std::string>{"shadowed"});
}

TEST(Lint, PackWithoutPermitsIsFlagged) {
  EXPECT_EQ(Codes(LintPack(PackText("[]"), "p.json")), std::vector<std::string>{"no-permit"});
}

TEST(Lint, ShippedBaselineIsClean) {
  EXPECT_TRUE(LintPackFile(OVERSIGHT_RULES_DIR "/baseline.json").empty());
}

using oversight::testing::TempDir;

const char* kTwoRulePack = R"([
    {"id": "p", "effect": "permit", "message": "m", "citation": "c",
     "when": {"path": "context.mode", "equals": "retrospective"}},
    {"id": "f", "effect": "forbid", "message": "no sketches", "citation": "c",
     "when": {"all": [{"path": "context.source", "exists": true}, {"path": "context.source", "equals": "sketch"}]}}])";

TEST(Scenarios, ReportPassesFailuresAndCoverage) {
  TempDir dir;
  dir.Write("pack.json", PackText(kTwoRulePack));
  std::string file = dir.Write("s.json", R"({"format": 1, "pack": "pack.json",
      "base": {"request": {"context": {"mode": "retrospective"}}},
      "scenarios": [
        {"name": "ok", "request": {}, "expect": {"decision": "allow", "permitting": ["p"]}},
        {"name": "wrong", "request": {"context": {"source": "sketch"}},
         "expect": {"decision": "allow"}}]})");
  auto report = RunScenarioFile(file);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->passed(), 1);
  EXPECT_EQ(report->failed(), 1);
  EXPECT_EQ(report->results[1].failures[0], "decision: expected allow, got deny");
  // p applied in both scenarios, so it was never seen not applying.
  EXPECT_EQ(report->UncoveredRules(), std::vector<std::string>{"p"});
}

TEST(Scenarios, RulesOverrideTestsADraftPack) {
  TempDir dir;
  dir.Write("pack.json", PackText(kTwoRulePack));
  std::string draft = dir.Write("draft.json", PackText("[]"));
  std::string file = dir.Write("s.json", R"({"format": 1, "pack": "pack.json",
      "scenarios": [{"name": "ok", "request": {"context": {"mode": "retrospective"}},
                     "expect": {"decision": "allow"}}]})");
  auto report = RunScenarioFile(file, draft);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->failed(), 1);
}

TEST(Scenarios, MalformedScenarioIsAnErrorWithPosition) {
  TempDir dir;
  dir.Write("pack.json", PackText(kTwoRulePack));
  std::string file = dir.Write("s.json",
                               "{\"format\": 1, \"pack\": \"pack.json\",\n"
                               " \"scenarios\": [{\"name\": \"x\", \"request\": {}}]}");
  auto report = RunScenarioFile(file);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("s.json:2:16"), std::string::npos)
      << report.status().message();
}

const char* kWarrantPack = R"([
    {"id": "p", "effect": "permit", "message": "m", "citation": "c",
     "when": {"all": [{"path": "warrant.exists", "equals": true},
                      {"path": "warrant.signature_valid", "equals": true}]}}])";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Scenarios that name the warrant registry: W-2026-0042 is validly signed by its court,
// W-2026-0666 carries a forged signature (both in the shipped sample registry).
const char* kRegistryScenarios = R"({"format": 1, "pack": "pack.json",
    "warrant_registry": "warrants.json", "now": "2026-03-01T12:00:00Z",
    "scenarios": [
      {"name": "signed", "request": {"context": {"warrant_id": "W-2026-0042"}},
       "expect": {"decision": "allow"}},
      {"name": "forged", "request": {"context": {"warrant_id": "W-2026-0666"}},
       "expect": {"decision": "deny"}},
      {"name": "unknown", "request": {"context": {"warrant_id": "W-0000"}},
       "expect": {"decision": "deny"}},
      {"name": "fixture wins", "request": {"context": {"warrant_id": "W-2026-0666"}},
       "facts": {"warrant": {"signature_valid": true}}, "expect": {"decision": "allow"}},
      {"name": "null fixture wins", "request": {"context": {"warrant_id": "W-2026-0042"}},
       "facts": {"warrant": null}, "expect": {"decision": "deny"}}]})";

TEST(Scenarios, WarrantRegistryFileChecksCourtSignatures) {
  TempDir dir;
  dir.Write("pack.json", PackText(kWarrantPack));
  std::string registry =
      dir.Write("warrants.json", ReadAll(OVERSIGHT_RULES_DIR "/warrants.sample.json"));
  std::string file = dir.Write("s.json", kRegistryScenarios);
  auto report = RunScenarioFile(file);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->warrant_registry_file, registry);
  for (const ScenarioResult& r : report->results) {
    EXPECT_TRUE(r.passed) << r.name << ": " << (r.failures.empty() ? "" : r.failures[0]);
  }
  EXPECT_EQ(report->passed(), 5);
}

TEST(Scenarios, TamperedRegistryWarrantNoLongerVerifies) {
  TempDir dir;
  dir.Write("pack.json", PackText(kWarrantPack));
  std::string text = ReadAll(OVERSIGHT_RULES_DIR "/warrants.sample.json");
  // Extend W-2026-0042 without the court re-signing it.
  const std::string expires = R"("expires_at": "2026-03-21T09:00:00Z")";
  auto at = text.find(expires);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, expires.size(), R"("expires_at": "2026-12-21T09:00:00Z")");
  dir.Write("warrants.json", text);
  std::string file = dir.Write("s.json", kRegistryScenarios);
  auto report = RunScenarioFile(file);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->results[0].name, "signed");
  EXPECT_FALSE(report->results[0].passed);
  EXPECT_EQ(report->results[0].decision, "deny");
}

TEST(Scenarios, MissingOrMistypedWarrantRegistryIsAnErrorWithPosition) {
  TempDir dir;
  dir.Write("pack.json", PackText(kWarrantPack));
  std::string file = dir.Write("s.json",
                               "{\"format\": 1, \"pack\": \"pack.json\",\n"
                               " \"warrant_registry\": \"no-such.json\", \"scenarios\": []}");
  auto report = RunScenarioFile(file);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("s.json:2:22: warrant_registry:"), std::string::npos)
      << report.status().message();
  file = dir.Write("s.json", R"({"format": 1, "pack": "pack.json", "warrant_registry": 7})");
  report = RunScenarioFile(file);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("warrant_registry must be a file name"),
            std::string::npos);
}

TEST(Explain, NamesTheConditionThatDecidedEachRule) {
  auto pack = testing::MustCompile(PackText(kTwoRulePack));
  RequestDoc req =
      testing::MustRequest(R"({"context": {"mode": "real_time", "source": "sketch"}})");
  Explanation ex = Explain(*pack, req, {});
  EXPECT_FALSE(ex.decision.allow);
  ASSERT_EQ(ex.rules.size(), 2u);
  EXPECT_EQ(ex.rules[0].outcome, "not matched");
  EXPECT_NE(ex.rules[0].decided_by.find("context.mode equals \"retrospective\""),
            std::string::npos);
  EXPECT_EQ(ex.rules[0].lines[0].actual, "\"real_time\"");
  EXPECT_EQ(ex.rules[1].outcome, "matched");
  EXPECT_TRUE(ex.rules[1].applied);
  std::string text = FormatExplanation(*pack, ex);
  EXPECT_NE(text.find("decision: DENY"), std::string::npos);
  EXPECT_NE(text.find("forbidden by f: no sketches [c]"), std::string::npos);
}

TEST(Diff, CountsDecisionChangesAndShowsExamples) {
  TempDir dir;
  auto before = testing::MustCompile(
      PackText(R"([{"id": "p", "effect": "permit", "message": "m", "citation": "c"}])"));
  auto after = testing::MustCompile(PackText(kTwoRulePack));
  std::string corpus =
      dir.Write("reqs.jsonl",
                "{\"context\": {\"mode\": \"retrospective\"}}\n"
                "\n"
                "{\"context\": {\"mode\": \"retrospective\", \"source\": \"sketch\"}}\n"
                "{\"name\": \"rt\", \"request\": {\"context\": {\"mode\": \"real_time\"}}}\n");
  auto r = DiffPacks(*before, *after, corpus, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->total, 3);
  EXPECT_EQ(r->allow_allow, 1);
  EXPECT_EQ(r->allow_deny, 2);
  EXPECT_EQ(r->rules["p"].before, 3);
  EXPECT_EQ(r->rules["p"].after, 2);
  EXPECT_EQ(r->rules["f"].after, 1);
  ASSERT_EQ(r->examples.size(), 2u);
  EXPECT_EQ(r->examples[0].line, 3);
  EXPECT_EQ(r->examples[1].name, "rt");
}

TEST(Diff, BadCorpusLineIsAnErrorNamingTheLine) {
  TempDir dir;
  auto pack = testing::MustCompile(PackText("[]"));
  std::string corpus = dir.Write("reqs.jsonl", "{}\n{\"context\": {\"mode\": 3}}\n");
  auto r = DiffPacks(*pack, *pack, corpus, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("reqs.jsonl:2:"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace oversight::policy
