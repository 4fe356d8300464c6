// `oversight report`: the accountability report over a ledger or its export. Thin: the report
// library reads, verifies and counts; this file parses flags and prints.
#include <iostream>

#include "oversight/report/report.h"
#include "report_source.h"

namespace oversight::cli {
namespace {

struct ReportArgs {
  SourceArgs source;
  std::string format = "markdown";
};

int RunReport(const ReportArgs& a) {
  auto inputs = LoadSourceInputs(a.source);
  if (!inputs.ok()) return ReportError(inputs.status());
  report::Provenance provenance;
  if (auto stop = VerifyOrRefuse(a.source, &provenance)) return *stop;
  report::ReportOptions options;
  options.period = inputs->period;
  options.warrants = inputs->warrants.get();
  auto built = report::BuildReport(a.source.spec, provenance, options);
  if (!built.ok()) return ReportError(built.status());
  if (a.format == "json") {
    std::cout << report::FormatJson(*built);
  } else if (a.format == "csv") {
    std::cout << report::FormatCsv(*built);
  } else {
    std::cout << report::FormatMarkdown(*built);
  }
  return kExitOk;
}

}  // namespace

void AddReportCommands(CLI::App& app, Context& ctx) {
  static ReportArgs args;
  CLI::App* cmd = app.add_subcommand(
      "report",
      "Accountability report for a period: searches by agency, principal, purpose and\n"
      "source; decisions by deciding rule with citations; warrants per court; matches and\n"
      "their similarity; human-review notices; purges; rule pack changes (docs/reports.md).\n"
      "Refuses a ledger or export that fails verification unless --allow-unverified.");
  AddSourceOptions(cmd, &args.source);
  cmd->add_option("--format", args.format, "markdown, json or csv")
      ->check(CLI::IsMember({"markdown", "json", "csv"}))
      ->capture_default_str();
  cmd->footer(
      "Examples:\n"
      "  oversight report --dir oversight-data/ledger --from 2026-01-01 --to 2026-03-31\n"
      "  oversight report --export q1.jsonl --vkey ledger.vkey --format csv > q1.csv\n"
      "Exit codes: 0 reported, 1 the source failed verification, 2 bad input, I/O or key "
      "error.");
  cmd->callback([&ctx] { ctx.exit_code = RunReport(args); });
}

}  // namespace oversight::cli
