// Offline verification of a ledger file or of an export of it.
//
// Verification recomputes everything from the entry bytes: canonical form, leaf hashes, the
// hash chain, every stored checkpoint's root and signature; it names the first bad entry and
// says what is wrong with it. Against a trusted checkpoint (one an auditor kept from earlier)
// it also detects truncation, rollback to an older copy of the file, and forks.
//
// A returned error Status means verification could not be done (missing file, wrong key);
// a VerifyReport with ok == false means it was done and found a problem.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>

#include "oversight/common/hash.h"
#include "oversight/common/status.h"
#include "oversight/ledger/ledger.h"

namespace oversight::ledger {

struct VerifyReport {
  bool ok = true;
  std::uint64_t entries = 0;              // entries read
  std::uint64_t checkpoints_checked = 0;  // stored checkpoints whose root and signature held
  std::optional<std::uint64_t> bad_seq;   // the first bad entry, when one can be named
  std::string problem;                    // what is wrong, for a person
  std::uint64_t tree_size = 0;
  Hash256 root{};                             // root over all entries read
  std::optional<std::uint64_t> trusted_size;  // the trusted checkpoint's size, when given
};

struct VerifyOptions {
  // Verifier key in Go note format. Empty: read it from paths.verifier_key.
  std::string verifier_key;
  // A signed checkpoint the auditor trusts (note text), if any.
  std::optional<std::string> trusted_checkpoint;
};

// Verifies the ledger file at paths.db with the key at paths.key (read-only; changes nothing).
StatusOr<VerifyReport> VerifyLedger(const LedgerPaths& paths, const VerifyOptions& options);

// Verifies an export (JSON Lines of canonical entry bytes) against a signed checkpoint with
// the verifier key alone: no database key is needed.
StatusOr<VerifyReport> VerifyExport(std::istream& lines, const std::string& signed_checkpoint,
                                    const std::string& verifier_key,
                                    const std::optional<std::string>& trusted_checkpoint);

// Reads a verifier key from a string or, if it names a readable file, from that file.
StatusOr<std::string> LoadVerifierKey(const std::string& key_or_path);

}  // namespace oversight::ledger
