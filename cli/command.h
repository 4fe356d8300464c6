// How subcommand groups plug into the one `oversight` executable.
//
// Each group (ledger, rules, matcher, ...) lives in its own <group>_cmd.cc and exposes one
// Add<Group>Commands function that registers CLI11 subcommands. A subcommand's callback does
// its work through the libraries and stores its exit code in the Context.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "oversight/common/status.h"

namespace oversight::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;       // success; for checks: valid
inline constexpr int kExitInvalid = 1;  // a check found a problem (tampering, a failed test)
inline constexpr int kExitError = 2;    // usage, I/O or key error: nothing was checked

struct Context {
  int exit_code = kExitOk;
};

// Prints "oversight: <status>" to stderr and returns kExitError.
int ReportError(const Status& status);

void AddLedgerCommands(CLI::App& app, Context& ctx);
void AddRulesCommands(CLI::App& app, Context& ctx);
// `rules replay`, registered under the `rules` group by AddRulesCommands (replay_cmd.cc).
void AddRulesReplayCommand(CLI::App& rules_group, Context& ctx);
void AddReportCommands(CLI::App& app, Context& ctx);  // report
void AddMatcherCommands(CLI::App& app, Context& ctx);
// `matcher serve`, registered under the `matcher` group by AddMatcherCommands.
void AddMatcherServeCommand(CLI::App& matcher_group, Context& ctx);
void AddServeCommands(CLI::App& app, Context& ctx);    // serve
void AddSessionCommands(CLI::App& app, Context& ctx);  // session start|list|end
void AddInitCommands(CLI::App& app, Context& ctx);     // init
void AddConsoleCommands(CLI::App& app, Context& ctx);  // console login

}  // namespace oversight::cli
