#include "report_source.h"

#include <cstdio>

namespace oversight::cli {

void AddSourceOptions(CLI::App* cmd, SourceArgs* a) {
  auto* dir = cmd->add_option("--dir", a->spec.dir,
                              "Ledger directory (read-only, with its ledger.key); reads what its "
                              "latest signed checkpoint covers");
  auto* exp = cmd->add_option("--export", a->spec.export_file,
                              "Export file (`oversight ledger export`); needs only --vkey");
  dir->excludes(exp);
  cmd->add_option("--checkpoint", a->spec.checkpoint,
                  "The export's signed checkpoint (default: <export>.checkpoint)");
  cmd->add_option("--vkey", a->spec.vkey,
                  "Verifier key, or a file holding it (default for --dir: <dir>/ledger.vkey)");
  cmd->add_option("--from", a->from, "Start of the period, inclusive (RFC 3339 or YYYY-MM-DD)");
  cmd->add_option("--to", a->to,
                  "End of the period, exclusive (RFC 3339), or a date whose whole day is included");
  cmd->add_option("--warrants", a->warrants,
                  "Warrant registry (docs/rules.md section 10): names each warrant's court");
  cmd->add_flag("--allow-unverified", a->allow_unverified,
                "Read a ledger or export that fails verification; the output says so first");
}

StatusOr<SourceInputs> LoadSourceInputs(const SourceArgs& a) {
  SourceInputs in;
  OVERSIGHT_ASSIGN_OR_RETURN(in.period, report::ParsePeriod(a.from, a.to));
  if (!a.warrants.empty()) {
    OVERSIGHT_ASSIGN_OR_RETURN(in.warrants, policy::JsonWarrantRegistry::LoadFile(a.warrants));
  }
  return in;
}

std::optional<int> VerifyOrRefuse(const SourceArgs& a, report::Provenance* provenance) {
  auto verified = report::VerifySource(a.spec);
  if (!verified.ok()) return ReportError(verified.status());
  *provenance = *verified;
  if (provenance->verified || a.allow_unverified) return std::nullopt;
  std::string where;
  if (provenance->bad_seq)
    where = " (first bad entry " + std::to_string(*provenance->bad_seq) + ")";
  std::fprintf(stderr,
               "oversight: refusing to read the %s: it failed verification: %s%s\n"
               "Pass --allow-unverified to read it anyway; the output will say UNVERIFIED first.\n",
               provenance->source.c_str(), provenance->problem.c_str(), where.c_str());
  return kExitInvalid;
}

}  // namespace oversight::cli
