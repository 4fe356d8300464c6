// `oversight rules replay`: every past decision in a ledger or export, re-evaluated under
// another rule pack. Thin: the report library replays; this file parses flags and prints.
#include <iostream>
#include <thread>

#include "oversight/common/encoding.h"
#include "oversight/report/replay.h"
#include "report_source.h"

namespace oversight::cli {
namespace {

struct ReplayArgs {
  SourceArgs source;
  std::string pack;
  std::size_t examples = 3;
  unsigned threads = 0;  // 0: every core
  bool json_out = false;
};

std::string Seqs(const std::vector<std::uint64_t>& seqs) {
  std::string s;
  for (std::uint64_t q : seqs) s += (s.empty() ? "" : ", ") + std::to_string(q);
  return s;
}

void PrintText(const report::ReplayResult& r, const report::Provenance& p) {
  if (!p.verified) {
    std::cout << "UNVERIFIED: the " << p.source << " failed verification (" << p.problem
              << "); replayed only because --allow-unverified was given\n";
  }
  std::cout << "Replayed " << r.replayed << " of " << r.requests << " request entries from "
            << p.source << " (checkpoint size " << p.checkpoint_size << ", root "
            << Base64Encode(p.checkpoint_root) << ", " << (p.verified ? "verified" : "UNVERIFIED")
            << ")\nunder " << r.pack_name << " (sha256 " << r.pack_sha256 << ")\n"
            << "  would change: allow->deny " << r.allow_deny << ", deny->allow " << r.deny_allow
            << "\n  unchanged:    allow->allow " << r.allow_allow << ", deny->deny " << r.deny_deny
            << "\n  not replayed: " << r.not_by_pack << " decided before the rule pack, "
            << r.unreadable << " unreadable\n"
            << "  " << report::ReplayFactsNote(r) << "\n";
  if (r.by_rule.empty()) return;
  std::cout << "\nChanges by the new pack's deciding rule:\n";
  for (const auto& [id, c] : r.by_rule) {
    const std::string why =
        c.effect == "default" ? "denied by default" : c.effect + ", " + c.citation;
    std::cout << "  " << id << " (" << why << "): allow->deny " << c.allow_to_deny
              << ", deny->allow " << c.deny_to_allow << "; e.g. entries " << Seqs(c.examples)
              << "\n";
  }
}

int RunReplay(const ReplayArgs& a) {
  auto inputs = LoadSourceInputs(a.source);
  if (!inputs.ok()) return ReportError(inputs.status());
  auto pack = policy::LoadPackFile(a.pack);
  if (!pack.ok()) return ReportError(pack.status());
  report::Provenance provenance;
  if (auto stop = VerifyOrRefuse(a.source, &provenance)) return *stop;
  report::ReplayOptions options;
  options.period = inputs->period;
  options.warrants = inputs->warrants.get();
  options.examples_per_rule = a.examples;
  options.threads = a.threads != 0 ? a.threads : std::max(1u, std::thread::hardware_concurrency());
  auto result = report::ReplaySource(a.source.spec, &provenance, *pack, options);
  if (!result.ok()) return ReportError(result.status());
  if (a.json_out) {
    std::cout << report::ReplayResultJson(*result, provenance) << "\n";
  } else {
    PrintText(*result, provenance);
  }
  return kExitOk;
}

}  // namespace

void AddRulesReplayCommand(CLI::App& rules, Context& ctx) {
  static ReplayArgs args;
  CLI::App* cmd = rules.add_subcommand(
      "replay",
      "Re-evaluate every past request the rule pack decided, from a ledger or its export,\n"
      "under another pack: how many decisions would change (allow->deny, deny->allow), by\n"
      "the new pack's deciding rule, with example entries (by seq).");
  cmd->add_option("--pack", args.pack, "The rule pack to replay under")->required();
  AddSourceOptions(cmd, &args.source);
  cmd->add_option("--examples", args.examples, "Example entries per rule")->capture_default_str();
  cmd->add_option("--threads", args.threads, "Evaluation threads (default: every core)");
  cmd->add_flag("--json", args.json_out, "Machine-readable output");
  cmd->footer(
      "Example:\n"
      "  oversight rules replay --pack draft.json --export 2026.jsonl --vkey ledger.vkey \\\n"
      "      --warrants warrants.json\n"
      "Exit codes: 0 replayed, 1 the source failed verification, 2 bad input, I/O or key "
      "error.");
  cmd->callback([&ctx] { ctx.exit_code = RunReplay(args); });
}

}  // namespace oversight::cli
