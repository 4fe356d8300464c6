// `oversight ledger init|append|checkpoint|export`: the operator's side of the ledger.
#include "ledger_cmd.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "oversight/common/encoding.h"
#include "oversight/common/key_file.h"

namespace oversight::cli {
namespace {

using ledger::Ledger;
using ledger::LedgerPaths;
using nlohmann::json;

struct InitArgs {
  std::string dir, origin = "oversight.local/ledger";
  bool json = false;
};

int RunInit(const InitArgs& a) {
  if (::mkdir(a.dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return ReportError(Status::IOError("cannot create directory " + a.dir));
  }
  auto vkey = Ledger::Create(LedgerPaths::InDirectory(a.dir), a.origin);
  if (!vkey.ok()) return ReportError(vkey.status());
  auto paths = LedgerPaths::InDirectory(a.dir);
  if (a.json) {
    std::cout << json{{"dir", a.dir},          {"origin", a.origin},
                      {"verifier_key", *vkey}, {"database", paths.db},
                      {"key_file", paths.key}, {"signing_key", paths.signing_key}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << "Created ledger " << paths.db << "\n"
              << "  database key:  " << paths.key << " (0600; keep it secret, back it up)\n"
              << "  signing key:   " << paths.signing_key << " (0600; signs checkpoints)\n"
              << "  verifier key:  " << paths.verifier_key << " (public; give it to auditors)\n\n"
              << *vkey << "\n";
  }
  return kExitOk;
}

struct AppendArgs {
  std::string dir, kind = "note";
  bool json = false;
};

int RunAppend(const AppendArgs& a) {
  std::string payload((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  auto ledger = Ledger::Open(LedgerPaths::InDirectory(a.dir));
  if (!ledger.ok()) return ReportError(ledger.status());
  auto receipt = (*ledger)->Append(a.kind, payload);
  if (!receipt.ok()) return ReportError(receipt.status());
  if (a.json) {
    std::cout << json{{"seq", receipt->seq},
                      {"leaf_hash", HexEncode(receipt->leaf_hash)},
                      {"time", receipt->time}}
                     .dump()
              << "\n";
  } else {
    std::cout << "appended entry " << receipt->seq << " at " << receipt->time << " leaf "
              << HexEncode(receipt->leaf_hash) << "\n";
  }
  return kExitOk;
}

struct CheckpointArgs {
  std::string dir;
  bool sign = false, json = false;
};

int RunCheckpoint(const CheckpointArgs& a) {
  auto ledger = Ledger::Open(LedgerPaths::InDirectory(a.dir));
  if (!ledger.ok()) return ReportError(ledger.status());
  std::optional<ledger::SignedCheckpoint> cp;
  if (a.sign) {
    auto signed_cp = (*ledger)->Checkpoint();
    if (!signed_cp.ok()) return ReportError(signed_cp.status());
    cp = *signed_cp;
  } else {
    cp = (*ledger)->LatestCheckpoint();
  }
  if (!cp) {
    return ReportError(Status::NotFound("no checkpoint yet; sign one with --sign"));
  }
  if (a.json) {
    std::cout << json{{"size", cp->size},
                      {"root", Base64Encode(cp->root)},
                      {"time", cp->time},
                      {"note", cp->note}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << cp->note;
  }
  return kExitOk;
}

struct ExportArgs {
  std::string dir, out;
  bool json = false;
};

// Export exactly what a signed checkpoint covers, signing one for the tip if needed. While
// another process (a running proxy) holds the ledger for writing, export read-only what its
// latest checkpoint covers instead.
int RunExport(const ExportArgs& a) {
  const LedgerPaths paths = LedgerPaths::InDirectory(a.dir);
  std::ofstream out(a.out, std::ios::binary | std::ios::trunc);
  if (!out) return ReportError(Status::IOError("cannot write " + a.out));
  auto write = [&](std::uint64_t, std::string_view bytes) {
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())).put('\n');
    return out ? Status::Ok() : Status::IOError("writing " + a.out);
  };
  StatusOr<ledger::SignedCheckpoint> cp = Status::Internal("unset");
  auto ledger = Ledger::Open(paths);
  if (ledger.ok()) {
    cp = (*ledger)->Checkpoint();
    if (cp.ok()) {
      if (Status st = (*ledger)->ReadEntries(0, cp->size, write); !st.ok()) cp = st;
    }
  } else if (ledger::IsLockedByAnotherWriter(ledger.status())) {
    std::cerr << "oversight: the ledger is in use by another process; exporting what its "
                 "latest signed checkpoint covers\n";
    cp = ledger::ReadCheckpointed(paths, write);
  } else {
    cp = ledger.status();
  }
  out.close();
  if (!cp.ok()) return ReportError(cp.status());
  if (!out) return ReportError(Status::IOError("writing " + a.out));
  Status st = WriteFileAtomically(a.out + ".checkpoint", cp->note, 0644);
  if (!st.ok()) return ReportError(st);
  if (a.json) {
    std::cout << json{{"entries", cp->size},
                      {"export", a.out},
                      {"checkpoint", a.out + ".checkpoint"}}
                     .dump()
              << "\n";
  } else {
    std::cout << "exported " << cp->size << " entries to " << a.out << "\n"
              << "checkpoint covering them: " << a.out << ".checkpoint\n";
  }
  return kExitOk;
}

}  // namespace

std::string DefaultLedgerDir() {
  const char* env = std::getenv("OVERSIGHT_LEDGER_DIR");
  return env && *env ? env : kDefaultLedgerDir;
}

void AddDirOption(CLI::App* cmd, std::string* dir) {
  *dir = DefaultLedgerDir();
  cmd->add_option("--dir", *dir,
                  "Ledger directory (ledger.db, ledger.key, signing.pem, ledger.vkey); "
                  "default $OVERSIGHT_LEDGER_DIR or ./oversight-data/ledger")
      ->capture_default_str();
}

void AddLedgerCommands(CLI::App& app, Context& ctx) {
  auto* ledger = app.add_subcommand(
      "ledger",
      "The accountability ledger: create, append, checkpoint, export, verify, prove.\n"
      "Exit codes: 0 ok/valid, 1 tampered or proof invalid, 2 usage, I/O or key error.");
  ledger->require_subcommand(1);

  static InitArgs init;
  auto* c = ledger->add_subcommand(
      "init",
      "Create a ledger: database, 0600 database key, 0600 Ed25519 signing key, and\n"
      "print the verifier key (<origin>+<hex8>+<base64>) to hand to auditors.");
  AddDirOption(c, &init.dir);
  c->add_option("--origin", init.origin,
                "Log origin and key name, e.g. police.example/oversight (no spaces or '+')")
      ->capture_default_str();
  c->add_flag("--json", init.json, "Machine-readable output");
  c->callback([&ctx] { ctx.exit_code = RunInit(init); });

  static AppendArgs append;
  c = ledger->add_subcommand("append",
                             "Append one entry whose payload is the JSON object on stdin;\n"
                             "prints the receipt once the entry is durable. For scripts/tests.");
  AddDirOption(c, &append.dir);
  c->add_option("--kind", append.kind, "Entry kind, [a-z0-9_.-]{1,64}")->capture_default_str();
  c->add_flag("--json", append.json, "Machine-readable output");
  c->callback([&ctx] { ctx.exit_code = RunAppend(append); });

  static CheckpointArgs checkpoint;
  c = ledger->add_subcommand(
      "checkpoint", "Print the latest signed checkpoint (C2SP signed note), or sign one now.");
  AddDirOption(c, &checkpoint.dir);
  c->add_flag("--sign", checkpoint.sign, "Sign a checkpoint of the current tree first");
  c->add_flag("--json", checkpoint.json, "Machine-readable output");
  c->callback([&ctx] { ctx.exit_code = RunCheckpoint(checkpoint); });

  static ExportArgs exp;
  c = ledger->add_subcommand(
      "export",
      "Write every entry's canonical bytes as JSON Lines to --out, and the signed\n"
      "checkpoint covering them to <out>.checkpoint (signed now if needed).");
  AddDirOption(c, &exp.dir);
  c->add_option("--out", exp.out, "Export file (JSON Lines)")->required();
  c->add_flag("--json", exp.json, "Machine-readable output");
  c->callback([&ctx] { ctx.exit_code = RunExport(exp); });

  AddLedgerAuditCommands(ledger, ctx);
}

}  // namespace oversight::cli
