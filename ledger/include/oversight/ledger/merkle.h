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

// An in-memory, append-only RFC 6962 tree over leaf hashes.
//
// Stores every leaf hash plus the hashes of complete aligned subtrees of 16 leaves and more, so
// Append is amortised O(1) and Root/proofs cost O(log n) hash operations (subtrees under 16
// leaves are recomputed on demand, at most a few dozen hashes per call). Memory is about 34
// bytes per leaf (~340 MB at 10M leaves).
//
// Thread safety: NOT thread-safe; callers serialise all access (const calls included, if any
// caller may Append concurrently).
class MerkleTree {
 public:
  MerkleTree() = default;

  // Appends one leaf hash (already LeafHash'ed). Amortised O(1).
  void Append(const Hash& leaf_hash);
  std::uint64_t size() const { return leaves_.size(); }
  // REQUIRES: index < size(). Aborts otherwise.
  const Hash& Leaf(std::uint64_t index) const;

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

  // Pre-allocates for n leaves in total.
  void Reserve(std::uint64_t n);
  // Removes every leaf, keeping the memory for the next leaves.
  void Clear();

  // Appends every leaf of `block` at once, reusing the subtree hashes it has already cached,
  // so that blocks of a large tree can be built on several threads and joined in order.
  // REQUIRES: size() is a multiple of std::bit_ceil(block.size()) (blocks of a power-of-two
  // size joined in order, the last one possibly shorter). Aborts otherwise.
  void AppendTree(const MerkleTree& block);

 private:
  // Subtrees of 2^kFirstCachedLevel leaves and more are cached; smaller ones are recomputed.
  static constexpr unsigned kFirstCachedLevel = 4;

  // Caches the parent of every pair of cached subtrees that lacks one (after AppendTree).
  void CacheMissingParents();
  // Hash of the complete aligned subtree of 2^level leaves starting at leaf index << level.
  Hash Subtree(unsigned level, std::uint64_t index) const;
  // RFC 6962 MTH of leaves [begin, end). REQUIRES: begin < end and begin a multiple of the
  // smallest power of two >= end - begin (true of every range the RFC recursion visits).
  Hash RangeHash(std::uint64_t begin, std::uint64_t end) const;

  std::vector<Hash, internal::TreeAllocator<Hash>> leaves_;
  // cached_[i][j]: subtree of level kFirstCachedLevel + i at index j.
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
