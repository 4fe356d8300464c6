// `oversight ledger verify|verify-export|prove|consistency|verify-proof`: the auditor's side.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ledger_cmd.h"
#include "oversight/common/encoding.h"
#include "oversight/common/key_file.h"
#include "oversight/ledger/merkle.h"
#include "oversight/ledger/note.h"
#include "oversight/ledger/tlog_proof.h"
#include "oversight/ledger/verify.h"

namespace oversight::cli {
namespace {

using nlohmann::json;
using namespace oversight::ledger;

StatusOr<std::optional<std::string>> ReadOptionalFile(const std::string& path) {
  if (path.empty()) return std::optional<std::string>();
  OVERSIGHT_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, 64 * 1024));
  return std::optional<std::string>(std::move(text));
}

int PrintReport(const VerifyReport& r, bool as_json) {
  if (as_json) {
    json j{{"ok", r.ok},
           {"entries", r.entries},
           {"checkpoints_checked", r.checkpoints_checked},
           {"tree_size", r.tree_size},
           {"root", Base64Encode(r.root)}};
    if (r.trusted_size) j["trusted_checkpoint_size"] = *r.trusted_size;
    if (!r.ok) {
      j["problem"] = r.problem;
      j["bad_entry"] = r.bad_seq ? json(*r.bad_seq) : json(nullptr);
    }
    std::cout << j.dump(2) << "\n";
  } else if (r.ok) {
    std::cout << "OK: " << r.entries << " entries, " << r.checkpoints_checked
              << " signed checkpoint(s) verified";
    if (r.trusted_size) std::cout << ", extends the trusted checkpoint at size " << *r.trusted_size;
    std::cout << "\nroot " << Base64Encode(r.root) << " at size " << r.tree_size << "\n";
  } else {
    std::cout << "TAMPERED: " << r.problem << "\n";
    if (r.bad_seq) std::cout << "first bad entry: " << *r.bad_seq << "\n";
  }
  return r.ok ? kExitOk : kExitInvalid;
}

struct VerifyArgs {
  std::string dir, vkey, trusted;
  bool json = false;
};

int RunVerify(const VerifyArgs& a) {
  VerifyOptions opts;
  opts.verifier_key = a.vkey;
  auto trusted = ReadOptionalFile(a.trusted);
  if (!trusted.ok()) return ReportError(trusted.status());
  opts.trusted_checkpoint = *trusted;
  auto report = VerifyLedger(LedgerPaths::InDirectory(a.dir), opts);
  if (!report.ok()) return ReportError(report.status());
  return PrintReport(*report, a.json);
}

struct VerifyExportArgs {
  std::string file, checkpoint, vkey, trusted;
  bool json = false;
};

int RunVerifyExport(const VerifyExportArgs& a) {
  std::ifstream in(a.file, std::ios::binary);
  if (!in) return ReportError(Status::NotFound("cannot read export " + a.file));
  auto cp = ReadSmallFile(a.checkpoint.empty() ? a.file + ".checkpoint" : a.checkpoint, 64 * 1024);
  if (!cp.ok()) return ReportError(cp.status());
  auto vkey = LoadVerifierKey(a.vkey);
  if (!vkey.ok()) return ReportError(vkey.status());
  auto trusted = ReadOptionalFile(a.trusted);
  if (!trusted.ok()) return ReportError(trusted.status());
  auto report = VerifyExport(in, *cp, *vkey, *trusted);
  if (!report.ok()) return ReportError(report.status());
  return PrintReport(*report, a.json);
}

json HashList(const std::vector<Hash256>& hashes) {
  json out = json::array();
  for (const auto& h : hashes) out.push_back(Base64Encode(h));
  return out;
}

struct ProveArgs {
  std::string dir;
  std::uint64_t index = 0, size = 0;
  bool json = false;
};

// Text output is a C2SP tlog-proof carrying the entry in its extra line: self-contained.
int RunProve(const ProveArgs& a) {
  auto ledger = Ledger::Open(LedgerPaths::InDirectory(a.dir));
  if (!ledger.ok()) return ReportError(ledger.status());
  std::optional<SignedCheckpoint> cp;
  for (const auto& c : (*ledger)->Checkpoints()) {
    if ((a.size == 0 && c.size > a.index) || c.size == a.size) cp = c;
  }
  std::uint64_t size = a.size != 0 ? a.size : cp ? cp->size : (*ledger)->size();
  auto proof = (*ledger)->ProveInclusion(a.index, size);
  if (!proof.ok()) return ReportError(proof.status());
  auto entry = (*ledger)->EntryBytes(a.index);
  if (!entry.ok()) return ReportError(entry.status());
  if (a.json) {
    json j{{"index", proof->index},
           {"size", proof->size},
           {"entry", *entry},
           {"leaf_hash", Base64Encode(proof->leaf_hash)},
           {"root", Base64Encode(proof->root)},
           {"proof", HashList(proof->hashes)}};
    if (cp) j["checkpoint"] = cp->note;
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  if (!cp) {
    return ReportError(Status::FailedPrecondition(
        "no signed checkpoint at size " + std::to_string(size) +
        " (sign one with `oversight ledger checkpoint --sign`, or use --json)"));
  }
  std::cout << FormatTlogProof({*entry, proof->index, proof->hashes, cp->note});
  return kExitOk;
}

struct VerifyProofArgs {
  std::string proof, vkey, entry;
  bool json = false;
};

int RunVerifyProof(const VerifyProofArgs& a) {
  auto text = ReadSmallFile(a.proof, 4 << 20);
  if (!text.ok()) return ReportError(text.status());
  auto vkey = LoadVerifierKey(a.vkey);
  if (!vkey.ok()) return ReportError(vkey.status());
  auto verifier = NoteVerifier::FromVerifierKey(*vkey);
  if (!verifier.ok()) return ReportError(verifier.status());
  std::string entry;
  if (!a.entry.empty()) {
    auto e = ReadSmallFile(a.entry, 4 << 20);
    if (!e.ok()) return ReportError(e.status());
    entry = *e;
    while (!entry.empty() && entry.back() == '\n') entry.pop_back();
  }
  auto v = VerifyTlogProof(*text, *verifier, entry);
  if (!v.ok() && v.status().code() == StatusCode::kInvalidArgument) return ReportError(v.status());
  if (a.json) {
    json j{{"ok", v.ok()}};
    if (v.ok())
      j.update({{"index", v->index}, {"size", v->checkpoint.size}, {"entry", v->entry}});
    else
      j["problem"] = v.status().message();
    std::cout << j.dump(2) << "\n";
  } else if (v.ok()) {
    std::cout << "OK: entry " << v->index << " is in " << v->checkpoint.origin << " at size "
              << v->checkpoint.size << "\n"
              << v->entry << "\n";
  } else {
    std::cout << "INVALID: " << v.status().message() << "\n";
  }
  return v.ok() ? kExitOk : kExitInvalid;
}

struct ConsistencyArgs {
  std::string dir;
  std::uint64_t from = 0, to = 0;
  bool json = false;
};

int RunConsistency(const ConsistencyArgs& a) {
  auto ledger = Ledger::Open(LedgerPaths::InDirectory(a.dir));
  if (!ledger.ok()) return ReportError(ledger.status());
  auto proof = (*ledger)->ProveConsistency(a.from, a.to);
  if (!proof.ok()) return ReportError(proof.status());
  json j{{"size1", proof->size1},
         {"size2", proof->size2},
         {"root1", Base64Encode(proof->root1)},
         {"root2", Base64Encode(proof->root2)},
         {"proof", HashList(proof->hashes)}};
  if (a.json) {
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << "consistency " << proof->size1 << " -> " << proof->size2 << "\nroot1 "
              << Base64Encode(proof->root1) << "\nroot2 " << Base64Encode(proof->root2) << "\n";
    for (const auto& h : proof->hashes) std::cout << Base64Encode(h) << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddLedgerAuditCommands(CLI::App* ledger, Context& ctx) {
  static VerifyArgs verify;
  auto* c = ledger->add_subcommand(
      "verify",
      "Recompute everything: canonical bytes, leaf hashes, chain links, every stored\n"
      "checkpoint's root and signature. With --trusted-checkpoint also detect truncation,\n"
      "rollback to an older copy, and forks. Names the first bad entry.");
  AddDirOption(c, &verify.dir);
  c->add_option("--vkey", verify.vkey,
                "Trusted verifier key (string or file); default <dir>/ledger.vkey");
  c->add_option("--trusted-checkpoint", verify.trusted,
                "A signed checkpoint kept from earlier (file)");
  c->add_flag("--json", verify.json, "Machine-readable output");
  c->callback([&ctx] { ctx.exit_code = RunVerify(verify); });

  static VerifyExportArgs vexp;
  c = ledger->add_subcommand("verify-export",
                             "Check an export against its signed checkpoint with the verifier\n"
                             "key alone (no database key needed).");
  c->add_option("export", vexp.file, "Export file (JSON Lines)")->required();
  c->add_option("--checkpoint", vexp.checkpoint, "Signed checkpoint; default <export>.checkpoint");
  c->add_option("--vkey", vexp.vkey, "Verifier key (string or file)")->required();
  c->add_option("--trusted-checkpoint", vexp.trusted, "A signed checkpoint kept from earlier");
  c->add_flag("--json", vexp.json, "Machine-readable output");
  c->callback([&ctx] { ctx.exit_code = RunVerifyExport(vexp); });

  static ProveArgs prove;
  c = ledger->add_subcommand(
      "prove",
      "Inclusion proof of entry --index in the tree of --size entries (default: the\n"
      "latest signed checkpoint covering it). Text output is a C2SP tlog-proof (save it\n"
      "as FILE.tlog-proof) carrying the entry in its extra line.");
  AddDirOption(c, &prove.dir);
  c->add_option("--index", prove.index, "Entry seq (0-based)")->required();
  c->add_option("--size", prove.size, "Tree size; default the latest covering checkpoint");
  c->add_flag("--json", prove.json, "Machine-readable output");
  c->callback([&ctx] { ctx.exit_code = RunProve(prove); });

  static VerifyProofArgs vproof;
  c = ledger->add_subcommand("verify-proof",
                             "Check a tlog-proof from `prove` offline with the verifier key: the\n"
                             "checkpoint's signature and the entry's inclusion under it.");
  c->add_option("proof", vproof.proof, "The .tlog-proof file")->required();
  c->add_option("--vkey", vproof.vkey, "Verifier key (string or file)")->required();
  c->add_option("--entry", vproof.entry,
                "File holding the entry bytes; default the proof's extra line");
  c->add_flag("--json", vproof.json, "Machine-readable output");
  c->callback([&ctx] { ctx.exit_code = RunVerifyProof(vproof); });

  static ConsistencyArgs cons;
  c = ledger->add_subcommand("consistency",
                             "Consistency proof that the tree of --to entries extends --from.");
  AddDirOption(c, &cons.dir);
  c->add_option("--from", cons.from, "Older tree size")->required();
  c->add_option("--to", cons.to, "Newer tree size")->required();
  c->add_flag("--json", cons.json, "Machine-readable output");
  c->callback([&ctx] { ctx.exit_code = RunConsistency(cons); });
}

}  // namespace oversight::cli
