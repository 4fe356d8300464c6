// policy_eval: decisions per second and p50/p99 latency of CompiledPack::Evaluate for the
// baseline pack (on its scenario requests) and for a generated 500-rule pack.
//
//   policy_eval [--rules-dir DIR] [--seconds S] [--dump-cases FILE.jsonl]
//
// --dump-cases writes the baseline scenario requests with their decisions as JSON Lines, the
// input of bench/policy_cedar.js, which evaluates the same requests with Cedar and checks
// that both engines agree.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "bench_util.h"
#include "oversight/common/time_format.h"
#include "oversight/policy/case.h"
#include "oversight/policy/pack.h"

namespace {

using namespace oversight::policy;
using Clock = std::chrono::steady_clock;

std::vector<Case> LoadScenarioCases(const std::string& path, std::vector<std::string>* json_lines) {
  auto root = ParseJsoncFile(path);
  if (!root.ok()) std::abort();
  auto now = oversight::ParseRfc3339(root->Find("now")->text);
  JsonValue base = *root->Find("base");
  std::vector<Case> cases;
  for (const JsonValue& s : root->Find("scenarios")->items) {
    JsonValue merged = MergeJson(base, s);
    auto c = ParseCase(merged, path, *now);
    if (!c.ok()) std::abort();
    if (json_lines) {
      if (!merged.Find("now")) {
        JsonValue t;
        t.kind = JsonValue::Kind::kString;
        t.text = root->Find("now")->text;
        merged.members.push_back({"now", {}, t});
      }
      json_lines->push_back(ToJsonText(merged));
    }
    cases.push_back(std::move(*c));
  }
  return cases;
}

// 500 rules over many fields; most do not match a given request, as in a real statute library.
std::string GeneratedPack(int n) {
  const char* purposes[] = {"criminal_investigation", "missing_person", "imminent_threat", "other"};
  std::string rules;
  for (int i = 0; i < n; ++i) {
    std::string effect = i % 10 == 0 ? "forbid" : i % 10 == 1 ? "obligate" : "permit";
    std::string id = "r" + std::to_string(i);
    rules += std::string(i ? "," : "") + R"({"id": ")" + id + R"(", "effect": ")" + effect +
             R"(", "message": "m", "citation": "c", "when": {"all": [
        {"path": "action", "in": ["search_by_image", "compare"]},
        {"path": "context.purpose", "equals": ")" +
             purposes[i % 4] + R"("},
        {"path": "context.case_id", "prefix": "C-)" +
             std::to_string(i % 50) + R"("},
        {"any": [{"path": "request.threshold", "ge": )" +
             std::to_string(i % 100) + R"(},
                 {"path": "principal.roles", "contains": "supervisor"}]}]})";
    if (effect == "obligate")
      rules += R"(, "obligations": {"max_results": )" + std::to_string(1 + i % 50) + "}";
    rules += "}";
  }
  return R"({"format": 1, "name": "generated", "jurisdiction": "bench", "version": "1",
             "description": "generated", "sources": [], "rules": [)" +
         rules + "]}";
}

struct Result {
  double per_second;
  double p50_ns, p99_ns;
};

Result Measure(const CompiledPack& pack, const std::vector<Case>& cases, double seconds) {
  std::vector<Facts> facts;
  for (const Case& c : cases) facts.push_back(c.facts());
  std::size_t allowed = 0;
  for (int i = 0; i < 10000; ++i)
    allowed += pack.Evaluate(cases[i % cases.size()].request, facts[i % cases.size()]).allow;
  // Throughput: no per-call timing.
  std::size_t n = 0;
  auto start = Clock::now();
  while (oversight::bench::SecondsSince(start) < seconds) {
    for (int k = 0; k < 1000; ++k, ++n)
      allowed += pack.Evaluate(cases[n % cases.size()].request, facts[n % cases.size()]).allow;
  }
  double per_second = static_cast<double>(n) / oversight::bench::SecondsSince(start);
  // Latency: timed one by one.
  std::vector<double> ns;
  for (std::size_t i = 0; i < 200000; ++i) {
    auto t0 = Clock::now();
    allowed += pack.Evaluate(cases[i % cases.size()].request, facts[i % cases.size()]).allow;
    ns.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count());
  }
  std::sort(ns.begin(), ns.end());
  // Printing the count keeps the evaluations from being optimised away.
  std::printf("(%zu allowed)\n", allowed);
  return {per_second, ns[ns.size() / 2], ns[ns.size() * 99 / 100]};
}

void Report(const char* name, std::size_t rules, const Result& r) {
  std::printf("%-22s rules=%-4zu decisions/s=%-12.0f p50=%.0f ns  p99=%.0f ns\n", name, rules,
              r.per_second, r.p50_ns, r.p99_ns);
}

}  // namespace

int main(int argc, char** argv) {
  std::string rules_dir = OVERSIGHT_RULES_DIR, dump;
  double seconds = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--rules-dir"))
      rules_dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--seconds"))
      seconds = std::stod(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--dump-cases"))
      dump = argv[i + 1];
  }
  std::printf("machine: %s\n", oversight::bench::MachineDescription().c_str());
  auto baseline = LoadPackFile(rules_dir + "/baseline.json");
  if (!baseline.ok()) return std::fprintf(stderr, "%s\n", baseline.status().ToString().c_str()), 2;
  std::vector<std::string> lines;
  std::vector<Case> cases = LoadScenarioCases(rules_dir + "/baseline.scenarios.json", &lines);
  Report("baseline", (*baseline)->rules().size(), Measure(**baseline, cases, seconds));
  CompileResult generated = CompilePack(GeneratedPack(500), "generated");
  if (!generated.pack) return std::fprintf(stderr, "generated pack failed\n"), 2;
  Report("generated-500", generated.pack->rules().size(), Measure(*generated.pack, cases, seconds));
  if (!dump.empty()) {
    std::ofstream out(dump);
    for (std::size_t i = 0; i < cases.size(); ++i) {
      Decision d = (*baseline)->Evaluate(cases[i].request, cases[i].facts());
      // The determining rules, as Cedar reports them: permits if allowed, forbids if denied.
      std::string ids;
      for (const RuleHit& h : d.allow ? d.permitting : d.forbidding) {
        ids += (ids.empty() ? "\"" : ",\"") + h.rule->id + "\"";
      }
      out << R"({"expected": ")" << (d.allow ? "allow" : "deny") << R"(", "determining": [)" << ids
          << R"(], "case": )" << lines[i] << "}\n";
    }
    std::printf("wrote %zu cases to %s\n", cases.size(), dump.c_str());
  }
  return 0;
}
