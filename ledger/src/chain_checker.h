// ChainChecker: the entry-by-entry checks shared by ledger and export verification.
#pragma once

#include <optional>
#include <string>

#include "oversight/ledger/merkle.h"
#include "oversight/ledger/note.h"
#include "oversight/ledger/verify.h"

namespace oversight::ledger {

class ChainChecker {
 public:
  // Checks the entry stored at position `seq` with `bytes`; `stored_leaf` is the leaf hash the
  // store kept beside it (none for exports). Returns false and fills the report on a problem.
  bool Feed(std::uint64_t seq, std::string_view bytes, std::optional<Hash256> stored_leaf,
            VerifyReport& report);
  const MerkleTree& tree() const { return tree_; }
  void Reserve(std::uint64_t n) { tree_.Reserve(n); }

 private:
  MerkleTree tree_;
  Hash256 prev_{};
  std::string last_time_;
};

// Fails the report at `seq` with `problem` (keeps the first failure only).
void Fail(VerifyReport& report, std::optional<std::uint64_t> seq, std::string problem);

// Checks a signed checkpoint against the tree. Returns false and fills the report on a problem.
bool CheckCheckpoint(const std::string& note, const NoteVerifier& verifier,
                     const std::string& origin, const MerkleTree& tree, VerifyReport& report);

// Checks that the tree extends the trusted checkpoint (no truncation, rollback or fork).
bool CheckTrusted(const Checkpoint& trusted, const MerkleTree& tree, VerifyReport& report);

}  // namespace oversight::ledger
