// The read side of Ledger::Impl: checkpoints, entries and proofs, safe beside the committer.
#include "ledger_impl.h"

namespace oversight::ledger {

std::optional<SignedCheckpoint> Ledger::Impl::LatestCheckpoint() const {
  std::shared_lock lk(state_mu_);
  if (checkpoints_.empty()) return std::nullopt;
  return checkpoints_.back();
}

std::vector<SignedCheckpoint> Ledger::Impl::Checkpoints() const {
  std::shared_lock lk(state_mu_);
  return checkpoints_;
}

StatusOr<std::string> Ledger::Impl::EntryBytes(std::uint64_t seq) const {
  if (seq >= size()) {
    return Status::NotFound("no entry " + std::to_string(seq) + "; the ledger has " +
                            std::to_string(size()) + " entries");
  }
  std::lock_guard lk(reader_mu_);
  return reader_->EntryBytes(seq);
}

Status Ledger::Impl::ReadEntries(std::uint64_t from, std::uint64_t to,
                                 const EntryCallback& fn) const {
  if (to > size() || from > to) return Status::InvalidArgument("range past the end of the ledger");
  std::lock_guard lk(reader_mu_);
  return reader_->ForEachEntry(
      from, to, [&](std::uint64_t seq, std::string_view bytes, std::span<const std::uint8_t>) {
        return fn(seq, bytes);
      });
}

StatusOr<InclusionProof> Ledger::Impl::ProveInclusion(std::uint64_t index,
                                                      std::uint64_t size) const {
  if (size > this->size() || index >= size) {
    return Status::InvalidArgument("need index < size <= " + std::to_string(this->size()));
  }
  std::shared_lock lk(state_mu_);
  InclusionProof p;
  p.index = index;
  p.size = size;
  OVERSIGHT_ASSIGN_OR_RETURN(p.leaf_hash, tree_.Leaf(index));
  OVERSIGHT_ASSIGN_OR_RETURN(p.root, tree_.Root(size));
  OVERSIGHT_ASSIGN_OR_RETURN(p.hashes, tree_.InclusionProof(index, size));
  return p;
}

StatusOr<ConsistencyProof> Ledger::Impl::ProveConsistency(std::uint64_t size1,
                                                          std::uint64_t size2) const {
  if (size2 > size() || size1 > size2) {
    return Status::InvalidArgument("need size1 <= size2 <= " + std::to_string(size()));
  }
  std::shared_lock lk(state_mu_);
  ConsistencyProof p;
  p.size1 = size1;
  p.size2 = size2;
  OVERSIGHT_ASSIGN_OR_RETURN(p.root1, tree_.Root(size1));
  OVERSIGHT_ASSIGN_OR_RETURN(p.root2, tree_.Root(size2));
  OVERSIGHT_ASSIGN_OR_RETURN(p.hashes, tree_.ConsistencyProof(size1, size2));
  return p;
}

}  // namespace oversight::ledger
