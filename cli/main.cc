// oversight: one executable, many subcommands. main only dispatches.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "command.h"

namespace oversight::cli {

int ReportError(const Status& status) {
  std::fprintf(stderr, "oversight: %s\n", status.ToString().c_str());
  return kExitError;
}

// Groups whose library is not built yet register nothing; the weak default keeps main thin.
[[gnu::weak]] void AddRulesCommands(CLI::App&, Context&) {}
[[gnu::weak]] void AddRulesReplayCommand(CLI::App&, Context&) {}
[[gnu::weak]] void AddReportCommands(CLI::App&, Context&) {}
[[gnu::weak]] void AddMatcherCommands(CLI::App&, Context&) {}
[[gnu::weak]] void AddMatcherServeCommand(CLI::App&, Context&) {}
[[gnu::weak]] void AddServeCommands(CLI::App&, Context&) {}
[[gnu::weak]] void AddSessionCommands(CLI::App&, Context&) {}
[[gnu::weak]] void AddInitCommands(CLI::App&, Context&) {}
[[gnu::weak]] void AddConsoleCommands(CLI::App&, Context&) {}

}  // namespace oversight::cli

int main(int argc, char** argv) {
  using namespace oversight::cli;
  CLI::App app{
      "Oversight: an accountable front door for face recognition.\n"
      "Every search is checked against declarative rules and recorded in an encrypted,\n"
      "hash-chained ledger with signed checkpoints before any answer leaves."};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  Context ctx;
  AddLedgerCommands(app, ctx);
  AddRulesCommands(app, ctx);
  AddReportCommands(app, ctx);
  AddInitCommands(app, ctx);
  AddServeCommands(app, ctx);
  AddSessionCommands(app, ctx);
  AddConsoleCommands(app, ctx);
  AddMatcherCommands(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitError;
  }
  return ctx.exit_code;
}
