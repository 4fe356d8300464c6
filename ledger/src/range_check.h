// CheckStoredEntries: ChainChecker over every entry of a ledger file, on all cores.
//
// Verification is CPU-bound: decrypting and authenticating pages, the canonical-form check,
// the leaf hash and the Merkle tree each cost about as much as the others. Rather than pipe
// entries from one reading thread to one checking thread (the slower stage sets the pace and
// every batch is handed over), the entries are split into aligned ranges of positions. Worker
// threads, each with its own read-only connection, check whole ranges with their own
// ChainChecker, Merkle subtrees included; the calling thread joins the ranges in order,
// checking only the link between neighbours and hashing the few tree levels above them.
#pragma once

#include <string>

#include "chain_checker.h"
#include "oversight/common/secret.h"
#include "store.h"

namespace oversight::ledger {

// Checks the entries of the ledger file at `db_path` (already open as `store`, which worker
// threads use and the caller must not touch during the call). Fills `report` exactly as one
// ChainChecker fed every entry in order would: the same first problem, naming the same entry.
// Returns the checker holding the tree of the accepted entries, or an error if a further
// read-only connection to the file cannot be opened.
StatusOr<ChainChecker> CheckStoredEntries(const std::string& db_path, const SecretBytes& key,
                                          Store& store, VerifyReport& report);

}  // namespace oversight::ledger
