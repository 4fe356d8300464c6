// RFC 6962 / RFC 9162 Merkle tree hashing, proofs and proof verification.
//
// Pure functions over hashes: no storage, no I/O. Leaf hashes use the 0x00 prefix and interior
// nodes the 0x01 prefix (second-preimage protection), so a leaf can never pass for a node.
//
// Verification results use exact codes so an auditor can tell the cases apart:
//   InvalidArgument: the parameters or proof shape are impossible (index >= size, size1 > size2,
//                    wrong proof length) -- the proof was not computed for these sizes.
//   Corruption:      a well-formed proof that does not lead to the given root(s) -- either the
//                    entry, the proof or the log's history differs from what was claimed.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "oversight/common/hash.h"
#include "oversight/common/status.h"

namespace oversight::ledger {

using Hash = oversight::Hash256;

// SHA-256(0x00 || entry_bytes): the hash of one log entry.
Hash LeafHash(std::span<const std::uint8_t> entry_bytes);
// SHA-256(0x01 || left || right): an interior node.
Hash NodeHash(const Hash& left, const Hash& right);
// SHA-256 of the empty string: the root of a tree with no leaves.
Hash EmptyRoot();

// Number of hashes in the RFC 6962 inclusion proof for `index` in a tree of `size` leaves.
// REQUIRES: index < size.
std::uint64_t InclusionProofLength(std::uint64_t index, std::uint64_t size);
// Number of hashes in the RFC 6962 consistency proof from size1 to size2 (0 when size1 is 0
// or equal to size2). REQUIRES: size1 <= size2.
std::uint64_t ConsistencyProofLength(std::uint64_t size1, std::uint64_t size2);

namespace internal {

// Backs a tree's leaf array with transparent huge pages where the kernel offers them: written
// for the first time (verification builds a tree of every leaf), an array of a million leaves
// otherwise takes 8,000 page faults, measured at about 5% of verification's time.
void* AllocateTreeArray(std::size_t bytes);
void FreeTreeArray(void* p, std::size_t bytes);

template <class T>
struct TreeAllocator {
  using value_type = T;
  TreeAllocator() = default;
  template <class U>
  TreeAllocator(const TreeAllocator<U>&) {}  // NOLINT: allocators convert implicitly
  T* allocate(std::size_t n) { return static_cast<T*>(AllocateTreeArray(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) { FreeTreeArray(p, n * sizeof(T)); }
  friend bool operator==(const TreeAllocator&, const TreeAllocator&) { return true; }
};

}  // namespace internal

// Reads the stored leaf hashes [begin, end) back, in order (a compact MerkleTree's evicted
// leaves). Must return exactly end - begin hashes or an error.
using LeafSource =
    std::function<StatusOr<std::vector<Hash>>(std::uint64_t begin, std::uint64_t end)>;

// An append-only RFC 6962 tree over leaf hashes, full or compact.
//
// A full tree (default constructor) stores every leaf hash plus the hashes of complete aligned
// subtrees of 16 leaves and more, so Append is amortised O(1) and Root/proofs cost O(log n) hash
// operations (subtrees under 16 leaves are recomputed on demand, at most a few dozen hashes per
// call). Memory is about 34 bytes per leaf (~340 MB at 10M leaves). It never does I/O.
//
// A compact tree (constructed with a LeafSource) is for a long-lived log whose leaves are stored
// anyway. It drops the leaves of every complete aligned block of 2^evict_level leaves, keeping
// only the hashes of complete aligned subtrees of 2^evict_level leaves and more plus the last,
// incomplete block: about 2 * 32 / 2^evict_level bytes per leaf. Root of a size that is not a
// multiple of 2^evict_level, Leaf and the proofs read what they need of at most two evicted
// blocks back from the source (one call per block, at most 2^evict_level leaves, clipped to the
// size asked about) and check every whole block against its kept hash. Append, Root() and
// Root(size()) never call the source, so a writer may call them while its latest leaves are not
// yet readable from storage.
//
// Thread safety: NOT thread-safe; callers serialise all access (const calls included, if any
// caller may Append concurrently). A compact tree calls its source from const calls, on the
// calling thread, under whatever lock the caller holds.
class MerkleTree {
 public:
  MerkleTree() = default;
  // A compact tree. REQUIRES: 4 <= evict_level <= 30 and a non-empty source. Aborts otherwise.
  MerkleTree(LeafSource source, unsigned evict_level);

  // Appends one leaf hash (already LeafHash'ed). Amortised O(1).
  void Append(const Hash& leaf_hash);
  std::uint64_t size() const { return evicted_ + leaves_.size(); }
  // Leaf `index`; an evicted one is read from the source (whose error is returned).
  // InvalidArgument if index >= size().
  StatusOr<Hash> Leaf(std::uint64_t index) const;

  // Root of the whole tree (EmptyRoot() when empty).
  Hash Root() const;
  // Root of the first `size` leaves. InvalidArgument if size > size().
  StatusOr<Hash> Root(std::uint64_t size) const;

  // RFC 6962 §2.1.1 audit path for leaf `index` in the tree of the first `size` leaves, ordered
  // from the leaf's sibling up to the root's child. InvalidArgument unless index < size <= size().
  StatusOr<std::vector<Hash>> InclusionProof(std::uint64_t index, std::uint64_t size) const;
  // RFC 6962 §2.1.2 proof that the first size1 leaves are a prefix of the first size2 leaves.
  // Empty when size1 is 0 or equals size2. InvalidArgument unless size1 <= size2 <= size().
  StatusOr<std::vector<Hash>> ConsistencyProof(std::uint64_t size1, std::uint64_t size2) const;

  // Pre-allocates for n leaves in total (of which a compact tree keeps at most one block).
  void Reserve(std::uint64_t n);
  // Removes every leaf, keeping the memory for the next leaves.
  void Clear();
  // Bytes of memory the tree holds (its arrays' capacity), for tests and metrics. O(log n).
  std::uint64_t memory_bytes() const;

  // Appends every leaf of `block` at once, reusing the subtree hashes it has already cached,
  // so that blocks of a large tree can be built on several threads and joined in order.
  // REQUIRES: both trees are full, and size() is a multiple of std::bit_ceil(block.size())
  // (blocks of a power-of-two size joined in order, the last one possibly shorter). Aborts
  // otherwise.
  void AppendTree(const MerkleTree& block);

 private:
  class EvictedBlocks;

  // Subtrees of 2^kFirstCachedLevel leaves and more are cached; smaller ones are recomputed.
  static constexpr unsigned kFirstCachedLevel = 4;
  static constexpr unsigned kNeverEvicted = 64;

  // Drops the leaves and the cached levels below evict_level_ of the block just completed.
  void Evict();
  // Index of the first kept node of `level` (those before it were evicted).
  std::uint64_t FirstKept(unsigned level) const {
    return level < evict_level_ ? evicted_ >> level : 0;
  }
  // Caches the parent of every pair of cached subtrees that lacks one (after AppendTree).
  void CacheMissingParents();
  // Hash of the complete aligned subtree of 2^level leaves starting at leaf index << level.
  // REQUIRES: the subtree was not evicted.
  Hash Subtree(unsigned level, std::uint64_t index) const;
  // The same for any subtree, reading an evicted one back through `evicted`.
  Hash Subtree(unsigned level, std::uint64_t index, EvictedBlocks& evicted) const;
  // RFC 6962 MTH of leaves [begin, end). REQUIRES: begin < end and begin a multiple of the
  // smallest power of two >= end - begin (true of every range the RFC recursion visits).
  Hash RangeHash(std::uint64_t begin, std::uint64_t end, EvictedBlocks& evicted) const;

  LeafSource source_;                     // empty for a full tree
  unsigned evict_level_ = kNeverEvicted;  // a full tree never evicts
  std::uint64_t evicted_ = 0;             // leaves dropped: a multiple of 2^evict_level_
  // Leaves evicted_ .. size() - 1.
  std::vector<Hash, internal::TreeAllocator<Hash>> leaves_;
  // cached_[i][j - FirstKept(level)]: subtree j of level kFirstCachedLevel + i.
  std::vector<std::vector<Hash>> cached_;
};

// RFC 9162 §2.1.3.2: checks that `leaf_hash` is leaf `index` of the tree of `size` leaves whose
// root is `root`.
Status VerifyInclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root);

// RFC 9162 §2.1.4.2: checks that the tree of size1 leaves with root1 is a prefix of the tree of
// size2 leaves with root2. From size1 == 0 the proof must be empty and root1 must be EmptyRoot();
// size1 == size2 requires an empty proof and equal roots.
Status VerifyConsistency(std::uint64_t size1, std::uint64_t size2, const Hash& root1,
                         const Hash& root2, std::span<const Hash> proof);

}  // namespace oversight::ledger
