// Shared pieces of the `oversight ledger` subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "command.h"
#include "oversight/ledger/ledger.h"

namespace oversight::cli {

inline constexpr char kDefaultLedgerDir[] = "oversight-data/ledger";

// The ledger directory: --dir, else $OVERSIGHT_LEDGER_DIR, else ./oversight-data/ledger.
std::string DefaultLedgerDir();

// Adds --dir to a ledger subcommand.
void AddDirOption(CLI::App* cmd, std::string* dir);

// verify, verify-export, prove, consistency, verify-proof (ledger_audit_cmd.cc).
void AddLedgerAuditCommands(CLI::App* ledger, Context& ctx);

}  // namespace oversight::cli
