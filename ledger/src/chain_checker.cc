#include "chain_checker.h"

#include <cstdlib>

#include "oversight/common/encoding.h"
#include "oversight/ledger/entry.h"

namespace oversight::ledger {
namespace {

std::string Seq(std::uint64_t s) { return std::to_string(s); }

}  // namespace

void Fail(VerifyReport& report, std::optional<std::uint64_t> seq, std::string problem) {
  if (!report.ok) return;
  report.ok = false;
  report.bad_seq = seq;
  report.problem = std::move(problem);
}

void ChainChecker::Restart(std::uint64_t first_seq) {
  first_seq_ = first_seq;
  tree_.Clear();
  prev_ = {};
  last_time_.clear();
  first_prev_ = {};
  first_time_.clear();
}

bool ChainChecker::CheckPosition(std::uint64_t seq, VerifyReport& report) const {
  const std::uint64_t expected = next_seq();
  if (seq == expected) return true;
  Fail(report, expected,
       seq > expected ? "entry " + Seq(expected) + " is missing (the next stored entry is " +
                            Seq(seq) + "): entries were deleted"
                      : "entry " + Seq(seq) + " appears twice");
  return false;
}

bool ChainChecker::CheckLink(std::uint64_t seq, const Hash256& prev, std::string_view time,
                             VerifyReport& report) const {
  if (prev != prev_) {
    Fail(report, seq,
         "entry " + Seq(seq) + ": prev does not match the hash of entry " +
             (seq == 0 ? std::string("-1 (must be zeros)") : Seq(seq - 1)) +
             ": an entry was altered, inserted or removed at this point");
    return false;
  }
  if (time < last_time_) {
    Fail(report, seq,
         "entry " + Seq(seq) + ": time " + std::string(time) + " is before the previous entry's " +
             last_time_);
    return false;
  }
  return true;
}

bool ChainChecker::Feed(std::uint64_t seq, std::string_view bytes,
                        std::optional<Hash256> stored_leaf, VerifyReport& report) {
  if (!CheckPosition(seq, report)) return false;
  auto entry = DecodeEntryView(bytes);
  if (!entry.ok()) {
    Fail(report, seq, "entry " + Seq(seq) + ": " + entry.status().message());
    return false;
  }
  if (entry->seq != seq) {
    Fail(report, seq,
         "entry " + Seq(seq) + " says it is entry " + Seq(entry->seq) +
             (entry->seq < seq ? ": an entry was inserted before it, or entries were moved"
                               : ": entries were swapped, moved or removed before it"));
    return false;
  }
  Hash256 leaf = LeafHash(AsBytes(bytes));
  if (stored_leaf && *stored_leaf != leaf) {
    Fail(report, seq,
         "entry " + Seq(seq) +
             ": its bytes do not hash to the stored leaf hash: "
             "the entry was altered");
    return false;
  }
  if (seq == first_seq_ && seq != 0) {
    // The entry before this one belongs to another checker: Join checks the link.
    first_prev_ = entry->prev;
    first_time_.assign(entry->time);
  } else if (!CheckLink(seq, entry->prev, entry->time, report)) {
    return false;
  }
  last_time_.assign(entry->time);
  prev_ = leaf;
  tree_.Append(leaf);
  ++report.entries;
  return true;
}

bool ChainChecker::Join(const ChainChecker& next, VerifyReport& report) {
  if (next.first_seq_ != next_seq()) std::abort();  // a caller bug
  if (next.tree_.size() == 0) return true;
  if (!CheckLink(next.first_seq_, next.first_prev_, next.first_time_, report)) return false;
  tree_.AppendTree(next.tree_);
  prev_ = next.prev_;
  last_time_ = next.last_time_;
  report.entries += next.tree_.size();
  return true;
}

bool CheckCheckpoint(const std::string& note, const NoteVerifier& verifier,
                     const std::string& origin, const MerkleTree& tree, VerifyReport& report) {
  auto cp = OpenCheckpoint(note, verifier);
  if (!cp.ok()) {
    Fail(report, std::nullopt, "a stored checkpoint fails: " + cp.status().message());
    return false;
  }
  if (cp->origin != origin) {
    Fail(report, std::nullopt,
         "checkpoint at size " + Seq(cp->size) + " names origin \"" + cp->origin +
             "\", not this ledger's \"" + origin + "\"");
    return false;
  }
  if (cp->size > tree.size()) {
    Fail(report, tree.size(),
         "checkpoint at size " + Seq(cp->size) + " covers more than the " + Seq(tree.size()) +
             " entries present: entries " + Seq(tree.size()) + ".." + Seq(cp->size - 1) +
             " were removed from the tail");
    return false;
  }
  auto root = tree.Root(cp->size);
  if (!root.ok() || *root != cp->root) {
    Fail(report, std::nullopt,
         "checkpoint at size " + Seq(cp->size) +
             " does not match the entries: history was rewritten");
    return false;
  }
  ++report.checkpoints_checked;
  return true;
}

bool CheckTrusted(const Checkpoint& trusted, const MerkleTree& tree, VerifyReport& report) {
  report.trusted_size = trusted.size;
  if (trusted.size > tree.size()) {
    Fail(report, tree.size(),
         "the ledger has " + Seq(tree.size()) + " entries but the trusted checkpoint covers " +
             Seq(trusted.size) + ": the ledger was truncated or replaced by an older copy");
    return false;
  }
  auto root = tree.Root(trusted.size);
  if (!root.ok() || *root != trusted.root) {
    Fail(report, std::nullopt,
         "the first " + Seq(trusted.size) +
             " entries do not match the trusted checkpoint: the history forked or was rewritten");
    return false;
  }
  return true;
}

}  // namespace oversight::ledger
