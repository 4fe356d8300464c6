#include "oversight/ledger/merkle.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <string>

namespace oversight::ledger {

namespace internal {

namespace {
// Arrays from this size on are mapped directly, in whole huge pages where possible.
constexpr std::size_t kLargeArray = std::size_t{8} << 20;
}  // namespace

void* AllocateTreeArray(std::size_t bytes) {
  if (bytes < kLargeArray) return ::operator new(bytes);
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) std::abort();         // out of memory, as operator new would end
  (void)::madvise(p, bytes, MADV_HUGEPAGE);  // only a hint: ordinary pages work too
  return p;
}

void FreeTreeArray(void* p, std::size_t bytes) {
  if (bytes < kLargeArray) {
    ::operator delete(p);
  } else {
    ::munmap(p, bytes);
  }
}

}  // namespace internal

namespace {

constexpr std::uint8_t kLeafPrefix = 0x00;
constexpr std::uint8_t kNodePrefix = 0x01;

// Largest power of two strictly less than n. REQUIRES: n >= 2.
std::uint64_t SplitPoint(std::uint64_t n) { return std::bit_floor(n - 1); }

unsigned Log2(std::uint64_t power_of_two) {
  return static_cast<unsigned>(std::countr_zero(power_of_two));
}

std::string Num(std::uint64_t v) { return std::to_string(v); }

std::string Range(std::uint64_t begin, std::uint64_t end) {
  return "leaves " + Num(begin) + ".." + Num(end - 1);
}

// Hash of the complete subtree over leaves[0, 2^level).
Hash PerfectHash(const Hash* leaves, unsigned level) {
  if (level == 0) return leaves[0];
  const std::uint64_t half = std::uint64_t{1} << (level - 1);
  return NodeHash(PerfectHash(leaves, level - 1), PerfectHash(leaves + half, level - 1));
}

// Both RFC 9162 verifiers walk (fn, sn) up the tree; this is the shared step that skips the
// levels where the node on the path has no right sibling (it is the last node of its level).
void ShiftWhileEvenAndNonZero(std::uint64_t& fn, std::uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

// RFC 9162 §2.1.3.2 steps 2-3. The caller has checked the proof length, which guarantees the
// walk ends exactly at the root (sn == 0).
Hash RootFromInclusionProof(std::uint64_t index, std::uint64_t size, const Hash& leaf_hash,
                            std::span<const Hash> proof) {
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      ShiftWhileEvenAndNonZero(fn, sn);
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return r;
}

}  // namespace

Hash LeafHash(std::span<const std::uint8_t> entry_bytes) {
  return Sha256Prefixed(kLeafPrefix, entry_bytes);
}

Hash NodeHash(const Hash& left, const Hash& right) {
  return Sha256Prefixed(kNodePrefix, left, right);
}

Hash EmptyRoot() { return Sha256(std::span<const std::uint8_t>()); }

std::uint64_t InclusionProofLength(std::uint64_t index, std::uint64_t size) {
  // Levels where the paths to `index` and to the last leaf diverge each contribute one hash;
  // above that, the path to `index` follows the right border, which has a left sibling exactly
  // where `index` has a set bit.
  const auto inner = static_cast<unsigned>(std::bit_width(index ^ (size - 1)));
  return inner + static_cast<std::uint64_t>(std::popcount(index >> inner));
}

std::uint64_t ConsistencyProofLength(std::uint64_t size1, std::uint64_t size2) {
  if (size1 == 0 || size1 == size2) return 0;
  // The proof is an inclusion proof for the last complete subtree of the old tree, seeded by
  // that subtree's hash unless it is the whole old tree (size1 a power of two).
  const auto shift = static_cast<unsigned>(std::countr_zero(size1));
  const std::uint64_t seed = std::has_single_bit(size1) ? 0 : 1;
  return seed + InclusionProofLength((size1 - 1) >> shift, ((size2 - 1) >> shift) + 1);
}

// Leaves of evicted blocks read back from the source for one call, each block at most once.
// A failed read is kept: later lookups return a dummy hash and the call returns status().
class MerkleTree::EvictedBlocks {
 public:
  // Nothing at or past `limit` (the size the call is about) is read: a writer's tree may hold
  // leaves that are not yet readable from storage.
  EvictedBlocks(const MerkleTree& tree, std::uint64_t limit) : tree_(tree), limit_(limit) {}

  Hash Subtree(unsigned level, std::uint64_t index);
  const Status& status() const { return status_; }

 private:
  struct Block {
    std::uint64_t begin = 0;
    std::vector<Hash> leaves;
  };

  const Block* Find(std::uint64_t begin);
  Status Read(Block& block) const;

  const MerkleTree& tree_;
  const std::uint64_t limit_;
  std::vector<Block> blocks_;  // at most two per call: see the header
  Status status_;
};

Hash MerkleTree::EvictedBlocks::Subtree(unsigned level, std::uint64_t index) {
  const std::uint64_t first = index << level;
  const std::uint64_t block_mask = (std::uint64_t{1} << tree_.evict_level_) - 1;
  const Block* block = Find(first & ~block_mask);
  if (block == nullptr) return Hash{};  // status_ says why, and the call returns it
  if (first + (std::uint64_t{1} << level) > block->begin + block->leaves.size()) {
    std::abort();  // a subtree past the limit the call set: a bug in this file
  }
  return PerfectHash(block->leaves.data() + (first - block->begin), level);
}

const MerkleTree::EvictedBlocks::Block* MerkleTree::EvictedBlocks::Find(std::uint64_t begin) {
  for (const Block& b : blocks_) {
    if (b.begin == begin) return &b;
  }
  if (!status_.ok()) return nullptr;  // one failure is enough: do not retry it per hash
  Block b{begin, {}};
  status_ = Read(b);
  if (!status_.ok()) return nullptr;
  blocks_.push_back(std::move(b));
  return &blocks_.back();
}

Status MerkleTree::EvictedBlocks::Read(Block& block) const {
  const unsigned level = tree_.evict_level_;
  const std::uint64_t end = std::min(block.begin + (std::uint64_t{1} << level), limit_);
  auto leaves = tree_.source_(block.begin, end);
  if (!leaves.ok()) return leaves.status().WithContext("reading " + Range(block.begin, end));
  block.leaves = std::move(leaves).value();
  if (block.leaves.size() != end - block.begin) {
    return Status::Corruption("reading " + Range(block.begin, end) + " gave " +
                              Num(block.leaves.size()) + " leaf hashes");
  }
  // The store is read back from disk; a whole block can be checked against the hash kept of it.
  if (end - block.begin == (std::uint64_t{1} << level) &&
      PerfectHash(block.leaves.data(), level) != tree_.Subtree(level, block.begin >> level)) {
    return Status::Corruption("the stored " + Range(block.begin, end) +
                              " no longer hash to what the tree kept of them");
  }
  return Status::Ok();
}

MerkleTree::MerkleTree(LeafSource source, unsigned evict_level)
    : source_(std::move(source)), evict_level_(evict_level) {
  // Blocks must be cached subtrees (they are what is kept); 2^30 leaves read back at once
  // would be a misuse, not a design.
  if (!source_ || evict_level < kFirstCachedLevel || evict_level > 30) std::abort();
}

void MerkleTree::Append(const Hash& leaf_hash) {
  leaves_.push_back(leaf_hash);
  constexpr std::uint64_t kBlock = std::uint64_t{1} << kFirstCachedLevel;
  if (leaves_.size() % kBlock != 0) return;
  const std::uint64_t block = size() / kBlock - 1;
  Hash h = NodeHash(Subtree(kFirstCachedLevel - 1, 2 * block),
                    Subtree(kFirstCachedLevel - 1, 2 * block + 1));
  if (cached_.empty()) cached_.emplace_back();
  cached_[0].push_back(h);
  // Each level that now has an even count just completed a pair: cache their parent.
  for (std::size_t i = 0; cached_[i].size() % 2 == 0; ++i) {
    const auto& level = cached_[i];
    h = NodeHash(level[level.size() - 2], level[level.size() - 1]);
    if (cached_.size() == i + 1) cached_.emplace_back();
    cached_[i + 1].push_back(h);
  }
  if (source_ && (leaves_.size() >> evict_level_) != 0) Evict();
}

void MerkleTree::Evict() {
  evicted_ += leaves_.size();
  leaves_.clear();  // keeps the capacity: the next block reuses it
  for (unsigned level = kFirstCachedLevel; level < evict_level_; ++level) {
    cached_[level - kFirstCachedLevel].clear();
  }
}

void MerkleTree::AppendTree(const MerkleTree& block) {
  if (source_ || block.source_) std::abort();  // only full trees are built in parallel
  if (block.leaves_.empty()) return;
  // An aligned block's cached subtrees are complete aligned subtrees of this tree too, and
  // every level is complete up to the block, so the levels can simply be concatenated.
  if (size() % std::bit_ceil(block.size()) != 0) std::abort();  // a caller bug
  leaves_.insert(leaves_.end(), block.leaves_.begin(), block.leaves_.end());
  if (cached_.size() < block.cached_.size()) cached_.resize(block.cached_.size());
  for (std::size_t i = 0; i < block.cached_.size(); ++i) {
    cached_[i].insert(cached_[i].end(), block.cached_[i].begin(), block.cached_[i].end());
  }
  CacheMissingParents();
}

void MerkleTree::CacheMissingParents() {
  // Blocks under 2^kFirstCachedLevel leaves cache nothing, so joining them can complete the
  // lowest cached subtrees; those are hashed from the leaves, the rest from the level below.
  const std::uint64_t lowest = size() >> kFirstCachedLevel;
  if (lowest > 0 && cached_.empty()) cached_.emplace_back();
  while (cached_.size() > 0 && cached_[0].size() < lowest) {
    const std::uint64_t j = cached_[0].size();
    cached_[0].push_back(
        NodeHash(Subtree(kFirstCachedLevel - 1, 2 * j), Subtree(kFirstCachedLevel - 1, 2 * j + 1)));
  }
  for (std::size_t i = 0; i < cached_.size(); ++i) {
    const std::size_t parents = cached_[i].size() / 2;
    if (parents == 0) return;  // no level above this one can have a node either
    if (cached_.size() == i + 1) cached_.emplace_back();
    while (cached_[i + 1].size() < parents) {
      const std::size_t j = cached_[i + 1].size();
      cached_[i + 1].push_back(NodeHash(cached_[i][2 * j], cached_[i][2 * j + 1]));
    }
  }
}

StatusOr<Hash> MerkleTree::Leaf(std::uint64_t index) const {
  if (index >= size()) {
    return Status::InvalidArgument("no leaf " + Num(index) + " in a tree of " + Num(size()) +
                                   " leaves");
  }
  if (index >= evicted_) return leaves_[index - evicted_];
  auto leaf = source_(index, index + 1);
  if (!leaf.ok()) return leaf.status().WithContext("reading leaf " + Num(index));
  if (leaf->size() != 1) {
    return Status::Corruption("reading leaf " + Num(index) + " gave " + Num(leaf->size()) +
                              " leaf hashes");
  }
  return (*leaf)[0];
}

Hash MerkleTree::Root() const {
  if (size() == 0) return EmptyRoot();
  EvictedBlocks none(*this, size());  // the last block is in memory: nothing is read back
  return RangeHash(0, size(), none);
}

StatusOr<Hash> MerkleTree::Root(std::uint64_t tree_size) const {
  if (tree_size > size()) {
    return Status::InvalidArgument("tree size " + Num(tree_size) + " exceeds the " + Num(size()) +
                                   " leaves in the tree");
  }
  if (tree_size == 0) return EmptyRoot();
  EvictedBlocks evicted(*this, tree_size);
  const Hash root = RangeHash(0, tree_size, evicted);
  OVERSIGHT_RETURN_IF_ERROR(evicted.status());
  return root;
}

StatusOr<std::vector<Hash>> MerkleTree::InclusionProof(std::uint64_t index,
                                                       std::uint64_t tree_size) const {
  if (index >= tree_size || tree_size > size()) {
    return Status::InvalidArgument("no inclusion proof for leaf " + Num(index) + " in tree size " +
                                   Num(tree_size) + " (the tree has " + Num(size()) + " leaves)");
  }
  // Walk down the RFC 6962 recursion collecting the sibling of each range containing `index`.
  // Once the walk goes left it stays inside a complete subtree, so only one RangeHash below
  // is not a single cached lookup.
  EvictedBlocks evicted(*this, tree_size);
  std::vector<Hash> path;
  std::uint64_t lo = 0;
  std::uint64_t hi = tree_size;
  while (hi - lo > 1) {
    const std::uint64_t k = SplitPoint(hi - lo);
    if (index < lo + k) {
      path.push_back(RangeHash(lo + k, hi, evicted));
      hi = lo + k;
    } else {
      path.push_back(Subtree(Log2(k), lo / k, evicted));
      lo += k;
    }
  }
  OVERSIGHT_RETURN_IF_ERROR(evicted.status());
  std::reverse(path.begin(), path.end());  // the RFC orders the path from the leaf upwards
  return path;
}

StatusOr<std::vector<Hash>> MerkleTree::ConsistencyProof(std::uint64_t size1,
                                                         std::uint64_t size2) const {
  if (size1 > size2 || size2 > size()) {
    return Status::InvalidArgument("no consistency proof from size " + Num(size1) + " to size " +
                                   Num(size2) + " (the tree has " + Num(size()) + " leaves)");
  }
  std::vector<Hash> path;
  if (size1 == 0 || size1 == size2) return path;
  // RFC 6962 SUBPROOF(m, D[lo:hi], b), unrolled: `whole` is b, true while the range is still
  // a prefix-aligned part of the old tree whose hash the verifier already knows (root1).
  EvictedBlocks evicted(*this, size2);
  std::uint64_t lo = 0;
  std::uint64_t hi = size2;
  bool whole = true;
  while (size1 != hi) {
    const std::uint64_t k = SplitPoint(hi - lo);
    if (size1 <= lo + k) {
      path.push_back(RangeHash(lo + k, hi, evicted));
      hi = lo + k;
    } else {
      path.push_back(Subtree(Log2(k), lo / k, evicted));
      lo += k;
      whole = false;
    }
  }
  if (!whole) path.push_back(RangeHash(lo, hi, evicted));
  OVERSIGHT_RETURN_IF_ERROR(evicted.status());
  std::reverse(path.begin(), path.end());
  return path;
}

void MerkleTree::Clear() {
  evicted_ = 0;
  leaves_.clear();
  for (auto& level : cached_) level.clear();
}

void MerkleTree::Reserve(std::uint64_t n) {
  // Below evict_level_ a compact tree holds one block at most.
  const std::uint64_t below = source_ ? std::min(n, std::uint64_t{1} << evict_level_) : n;
  leaves_.reserve(below);
  for (unsigned level = kFirstCachedLevel; (n >> level) > 0; ++level) {
    const std::size_t i = level - kFirstCachedLevel;
    if (cached_.size() <= i) cached_.resize(i + 1);
    cached_[i].reserve((level < evict_level_ ? below : n) >> level);
  }
}

std::uint64_t MerkleTree::memory_bytes() const {
  std::uint64_t hashes = leaves_.capacity();
  for (const auto& level : cached_) hashes += level.capacity();
  return sizeof(*this) + hashes * sizeof(Hash) + cached_.capacity() * sizeof(cached_[0]);
}

Hash MerkleTree::Subtree(unsigned level, std::uint64_t index) const {
  if (level == 0) return leaves_[index - evicted_];
  if (level >= kFirstCachedLevel) {
    return cached_[level - kFirstCachedLevel][index - FirstKept(level)];
  }
  return NodeHash(Subtree(level - 1, 2 * index), Subtree(level - 1, 2 * index + 1));
}

Hash MerkleTree::Subtree(unsigned level, std::uint64_t index, EvictedBlocks& evicted) const {
  const bool gone = level < evict_level_ && (index << level) < evicted_;
  return gone ? evicted.Subtree(level, index) : Subtree(level, index);
}

Hash MerkleTree::RangeHash(std::uint64_t begin, std::uint64_t end, EvictedBlocks& evicted) const {
  // MTH of a range is the right-nested fold of its complete subtrees, one per set bit of its
  // size, largest first. Fold from the smallest (rightmost) one.
  const std::uint64_t n = end - begin;
  std::uint64_t right_edge = end;
  Hash acc{};
  bool have = false;
  for (unsigned level = 0; (n >> level) != 0; ++level) {
    if (((n >> level) & 1) == 0) continue;
    const std::uint64_t start = right_edge - (std::uint64_t{1} << level);
    const Hash h = Subtree(level, start >> level, evicted);
    acc = have ? NodeHash(h, acc) : h;
    have = true;
    right_edge = start;
  }
  return acc;
}

Status VerifyInclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root) {
  if (index >= size) {
    return Status::InvalidArgument("inclusion proof for leaf " + Num(index) +
                                   " cannot exist in a tree of size " + Num(size));
  }
  const std::uint64_t want = InclusionProofLength(index, size);
  if (proof.size() != want) {
    return Status::InvalidArgument("inclusion proof has " + Num(proof.size()) +
                                   " hashes; a proof for leaf " + Num(index) +
                                   " in a tree of size " + Num(size) + " has exactly " + Num(want));
  }
  if (RootFromInclusionProof(index, size, leaf_hash, proof) != root) {
    return Status::Corruption("inclusion proof does not lead to the given root: leaf " +
                              Num(index) + " is not proven to be in the tree of size " + Num(size) +
                              " with that root");
  }
  return Status::Ok();
}

namespace {

Status CheckConsistencyShape(std::uint64_t size1, std::uint64_t size2,
                             std::span<const Hash> proof) {
  if (size1 > size2) {
    return Status::InvalidArgument("consistency proof from size " + Num(size1) +
                                   " to the smaller size " + Num(size2) + " cannot exist");
  }
  const std::uint64_t want = ConsistencyProofLength(size1, size2);
  if (proof.size() != want) {
    return Status::InvalidArgument("consistency proof has " + Num(proof.size()) +
                                   " hashes; a proof from size " + Num(size1) + " to size " +
                                   Num(size2) + " has exactly " + Num(want));
  }
  return Status::Ok();
}

}  // namespace

Status VerifyConsistency(std::uint64_t size1, std::uint64_t size2, const Hash& root1,
                         const Hash& root2, std::span<const Hash> proof) {
  OVERSIGHT_RETURN_IF_ERROR(CheckConsistencyShape(size1, size2, proof));
  if (size1 == size2) {
    if (root1 != root2) {
      return Status::Corruption("two trees of size " + Num(size1) + " have different roots");
    }
    return Status::Ok();
  }
  if (size1 == 0) {
    // Every tree extends the empty tree, but only if the claimed old root really is empty.
    if (root1 != EmptyRoot()) {
      return Status::Corruption("the given root of the size 0 tree is not the empty-tree root");
    }
    return Status::Ok();
  }
  // RFC 9162 §2.1.4.2. Skipping the trailing ones of size1-1 moves to the level of the old
  // tree's last complete subtree, whose hash seeds both recomputed roots.
  std::uint64_t fn = size1 - 1;
  std::uint64_t sn = size2 - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  const bool seeded_by_root1 = std::has_single_bit(size1);
  Hash fr = seeded_by_root1 ? root1 : proof[0];
  Hash sr = fr;
  for (const Hash& c : proof.subspan(seeded_by_root1 ? 0 : 1)) {
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      ShiftWhileEvenAndNonZero(fn, sn);
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (fr != root1) {
    return Status::Corruption("consistency proof does not lead to the given root of the size " +
                              Num(size1) + " tree");
  }
  if (sr != root2) {
    return Status::Corruption("consistency proof does not lead to the given root of the size " +
                              Num(size2) + " tree: the larger tree does not extend the smaller");
  }
  return Status::Ok();
}

}  // namespace oversight::ledger
