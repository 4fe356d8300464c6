// Where a report or a replay reads its entries from, and whether they verified.
//
// Two sources: a ledger directory (read-only, with its database key; needs no writer lock, so
// it works beside a running proxy) or an export (JSON Lines plus its signed checkpoint; needs
// only the public verifier key). Verification is the ledger library's own (VerifyLedger,
// VerifyExport); this file only decides what to read after it.
//
// What is read: for a ledger directory, the entries its latest signed checkpoint covers; for
// an export, the lines its checkpoint covers. So every figure in a report is tied to one signed
// checkpoint, which the report names.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "oversight/common/hash.h"
#include "oversight/common/status.h"
#include "oversight/ledger/entry.h"

namespace oversight::report {

struct SourceSpec {
  std::string dir;          // a ledger directory (ledger.db, ledger.key, ledger.vkey), or
  std::string export_file;  // an export file (JSON Lines)
  std::string checkpoint;   // the export's checkpoint; default export_file + ".checkpoint"
  std::string vkey;         // verifier key or a file holding it; for a dir, default ledger.vkey
};

// Which checkpoint a report was built from and what verification found.
struct Provenance {
  std::string source;  // "ledger DIR" or "export FILE"
  bool verified = false;
  std::string problem;  // why verification failed; empty when verified
  std::optional<std::uint64_t> bad_seq;
  std::uint64_t entries_verified = 0;  // entries verification read (a ledger may hold more)
  // Filled by ForEachEntry: the signed checkpoint whose entries were read.
  std::uint64_t checkpoint_size = 0;
  Hash256 checkpoint_root{};
  std::uint64_t undecodable = 0;  // entries skipped because their bytes do not decode
};

// Checks the spec and verifies the source. An error Status means nothing could be checked
// (usage, missing file, wrong key: the CLI exits 2); a Provenance with verified == false means
// the source was checked and failed.
StatusOr<Provenance> VerifySource(const SourceSpec& spec);

// Calls fn for each entry the source's checkpoint covers, in order, stopping at fn's first
// error, and records that checkpoint in *provenance. Entries whose bytes do not decode
// (possible only in an unverified source) are skipped and counted in provenance->undecodable.
using EntryFn = std::function<Status(const ledger::EntryView& entry)>;
Status ForEachEntry(const SourceSpec& spec, const EntryFn& fn, Provenance* provenance);

// ForEachEntry without the decoding: fn gets each covered entry's stored bytes, in order, for
// a caller that decodes them itself (ledger::DecodeEntryView), e.g. on several threads. That
// caller then counts the entries that do not decode in provenance->undecodable (set to 0 here).
using EntryBytesFn = std::function<Status(std::string_view bytes)>;
Status ForEachEntryBytes(const SourceSpec& spec, const EntryBytesFn& fn, Provenance* provenance);

}  // namespace oversight::report
