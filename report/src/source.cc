#include "oversight/report/source.h"

#include <fstream>

#include "oversight/common/key_file.h"
#include "oversight/ledger/ledger.h"
#include "oversight/ledger/note.h"
#include "oversight/ledger/verify.h"

namespace oversight::report {
namespace {

constexpr std::size_t kMaxCheckpointBytes = 64 * 1024;

Status CheckSpec(const SourceSpec& spec) {
  if (spec.dir.empty() == spec.export_file.empty()) {
    return Status::InvalidArgument("give either a ledger directory or an export file");
  }
  if (!spec.export_file.empty() && spec.vkey.empty()) {
    return Status::InvalidArgument("an export needs the verifier key (--vkey)");
  }
  return Status::Ok();
}

std::string CheckpointPath(const SourceSpec& spec) {
  return spec.checkpoint.empty() ? spec.export_file + ".checkpoint" : spec.checkpoint;
}

void Record(const ledger::VerifyReport& r, Provenance& p) {
  p.verified = r.ok;
  p.problem = r.problem;
  p.bad_seq = r.bad_seq;
  p.entries_verified = r.entries;
}

StatusOr<Provenance> VerifyDir(const SourceSpec& spec) {
  Provenance p;
  p.source = "ledger " + spec.dir;
  ledger::VerifyOptions options;
  options.verifier_key = spec.vkey;
  OVERSIGHT_ASSIGN_OR_RETURN(
      ledger::VerifyReport r,
      ledger::VerifyLedger(ledger::LedgerPaths::InDirectory(spec.dir), options));
  Record(r, p);
  return p;
}

StatusOr<Provenance> VerifyExportFile(const SourceSpec& spec) {
  Provenance p;
  p.source = "export " + spec.export_file;
  std::ifstream in(spec.export_file, std::ios::binary);
  if (!in) return Status::NotFound("cannot read export " + spec.export_file);
  OVERSIGHT_ASSIGN_OR_RETURN(std::string cp,
                             ReadSmallFile(CheckpointPath(spec), kMaxCheckpointBytes));
  OVERSIGHT_ASSIGN_OR_RETURN(std::string vkey, ledger::LoadVerifierKey(spec.vkey));
  OVERSIGHT_ASSIGN_OR_RETURN(ledger::VerifyReport r,
                             ledger::VerifyExport(in, cp, vkey, std::nullopt));
  Record(r, p);
  return p;
}

// The checkpoint as the note claims it, signature unchecked: VerifySource already said
// whether it holds, and an unverified report still names what it was read against.
StatusOr<ledger::Checkpoint> ClaimedCheckpoint(const std::string& note) {
  const std::size_t blank = note.find("\n\n");
  return ledger::ParseCheckpoint(blank == std::string::npos ? note : note.substr(0, blank + 1));
}

Status ReadDir(const SourceSpec& spec, const EntryBytesFn& fn, Provenance& p) {
  auto deliver = [&](std::uint64_t, std::string_view bytes) { return fn(bytes); };
  OVERSIGHT_ASSIGN_OR_RETURN(
      ledger::SignedCheckpoint cp,
      ledger::ReadCheckpointed(ledger::LedgerPaths::InDirectory(spec.dir), deliver));
  p.checkpoint_size = cp.size;
  p.checkpoint_root = cp.root;
  return Status::Ok();
}

Status ReadExport(const SourceSpec& spec, const EntryBytesFn& fn, Provenance& p) {
  OVERSIGHT_ASSIGN_OR_RETURN(std::string note,
                             ReadSmallFile(CheckpointPath(spec), kMaxCheckpointBytes));
  OVERSIGHT_ASSIGN_OR_RETURN(ledger::Checkpoint cp, ClaimedCheckpoint(note));
  p.checkpoint_size = cp.size;
  p.checkpoint_root = cp.root;
  std::ifstream in(spec.export_file, std::ios::binary);
  if (!in) return Status::NotFound("cannot read export " + spec.export_file);
  std::string line;
  for (std::uint64_t seq = 0; seq < cp.size && std::getline(in, line); ++seq) {
    OVERSIGHT_RETURN_IF_ERROR(fn(line));
  }
  if (in.bad()) return Status::IOError("reading " + spec.export_file);
  return Status::Ok();
}

}  // namespace

StatusOr<Provenance> VerifySource(const SourceSpec& spec) {
  OVERSIGHT_RETURN_IF_ERROR(CheckSpec(spec));
  return spec.dir.empty() ? VerifyExportFile(spec) : VerifyDir(spec);
}

Status ForEachEntryBytes(const SourceSpec& spec, const EntryBytesFn& fn, Provenance* provenance) {
  OVERSIGHT_RETURN_IF_ERROR(CheckSpec(spec));
  provenance->undecodable = 0;
  return spec.dir.empty() ? ReadExport(spec, fn, *provenance) : ReadDir(spec, fn, *provenance);
}

Status ForEachEntry(const SourceSpec& spec, const EntryFn& fn, Provenance* provenance) {
  return ForEachEntryBytes(
      spec,
      [&fn, provenance](std::string_view bytes) {
        auto entry = ledger::DecodeEntryView(bytes);
        if (!entry.ok()) {
          ++provenance->undecodable;
          return Status::Ok();
        }
        return fn(*entry);
      },
      provenance);
}

}  // namespace oversight::report
