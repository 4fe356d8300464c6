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
  // Checks entries from position `first_seq` on. A checker that does not start at 0 checks a
  // later stretch of the ledger on its own (see Join): its first entry's link to the entry
  // before it (prev and time) is left for Join to check.
  explicit ChainChecker(std::uint64_t first_seq = 0) : first_seq_(first_seq) {}
  // Starts over from `first_seq`, keeping the memory (a checker per range of a large ledger).
  void Restart(std::uint64_t first_seq);

  // Checks the entry stored at position `seq` with `bytes`; `stored_leaf` is the leaf hash the
  // store kept beside it (none for exports). Returns false and fills the report on a problem.
  bool Feed(std::uint64_t seq, std::string_view bytes, std::optional<Hash256> stored_leaf,
            VerifyReport& report);
  // Checks that the next stored entry is at `seq`, the position the next entry must have.
  bool CheckPosition(std::uint64_t seq, VerifyReport& report) const;
  // Takes over the entries `next` accepted, as if they had been fed here, after checking the
  // link between them. REQUIRES: next starts at next_seq(). Returns false and fills the
  // report (nothing is taken over) if the first of them does not link to the last one here.
  bool Join(const ChainChecker& next, VerifyReport& report);

  std::uint64_t next_seq() const { return first_seq_ + tree_.size(); }
  const MerkleTree& tree() const { return tree_; }
  void Reserve(std::uint64_t n) { tree_.Reserve(n); }

 private:
  bool CheckLink(std::uint64_t seq, const Hash256& prev, std::string_view time,
                 VerifyReport& report) const;

  std::uint64_t first_seq_;
  MerkleTree tree_;  // leaves of the accepted entries first_seq_, first_seq_ + 1, ...
  Hash256 prev_{};
  std::string last_time_;
  // A checker starting past 0: the first entry's prev and time, not yet checked.
  Hash256 first_prev_{};
  std::string first_time_;
};

// Fails the report at `seq` with `problem` (keeps the first failure only).
void Fail(VerifyReport& report, std::optional<std::uint64_t> seq, std::string problem);

// Checks a signed checkpoint against the tree. Returns false and fills the report on a problem.
bool CheckCheckpoint(const std::string& note, const NoteVerifier& verifier,
                     const std::string& origin, const MerkleTree& tree, VerifyReport& report);

// Checks that the tree extends the trusted checkpoint (no truncation, rollback or fork).
bool CheckTrusted(const Checkpoint& trusted, const MerkleTree& tree, VerifyReport& report);

}  // namespace oversight::ledger
