// What `report` and `rules replay` share: the options naming a ledger or an export, and the
// refusal to read from one that fails verification (report_source.cc).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "command.h"
#include "oversight/policy/warrant_registry.h"
#include "oversight/report/period.h"
#include "oversight/report/source.h"

namespace oversight::cli {

struct SourceArgs {
  report::SourceSpec spec;
  std::string from, to, warrants;
  bool allow_unverified = false;
};

// --dir, --export, --checkpoint, --vkey, --from, --to, --warrants, --allow-unverified.
void AddSourceOptions(CLI::App* cmd, SourceArgs* args);

// Parses the period and loads the warrant registry (null when none was given).
struct SourceInputs {
  report::Period period;
  std::unique_ptr<policy::JsonWarrantRegistry> warrants;
};
StatusOr<SourceInputs> LoadSourceInputs(const SourceArgs& args);

// Verifies the source. Returns an exit code when the caller must stop: kExitError when it
// could not be checked, kExitInvalid when it failed and --allow-unverified was not given.
std::optional<int> VerifyOrRefuse(const SourceArgs& args, report::Provenance* provenance);

}  // namespace oversight::cli
