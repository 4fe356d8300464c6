// The compact MerkleTree (leaves of complete blocks evicted and read back from a LeafSource)
// against the full tree, whose results merkle_test.cc checks against RFC 6962 itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "oversight/common/encoding.h"
#include "oversight/ledger/merkle.h"

namespace oversight::ledger {
namespace {

constexpr unsigned kLevel = 8;  // the ledger's choice: blocks of 256 leaves
constexpr std::uint64_t kBlock = std::uint64_t{1} << kLevel;

std::vector<Hash> SyntheticLeaves(std::uint64_t n) {
  std::vector<Hash> leaves;
  for (std::uint64_t i = 0; i < n; ++i) leaves.push_back(LeafHash(AsBytes(std::to_string(i))));
  return leaves;
}

// A LeafSource over a vector, standing in for the ledger's store, that records every read.
class FakeStore {
 public:
  explicit FakeStore(std::vector<Hash> leaves) : leaves_(std::move(leaves)) {}

  LeafSource Source() {
    return [this](std::uint64_t begin, std::uint64_t end) -> StatusOr<std::vector<Hash>> {
      reads_.emplace_back(begin, end);
      if (!failure_.ok()) return failure_;
      return std::vector<Hash>(leaves_.begin() + static_cast<std::ptrdiff_t>(begin),
                               leaves_.begin() + static_cast<std::ptrdiff_t>(end));
    };
  }
  std::vector<Hash>& leaves() { return leaves_; }
  std::vector<std::pair<std::uint64_t, std::uint64_t>>& reads() { return reads_; }
  void FailWith(Status s) { failure_ = std::move(s); }

 private:
  std::vector<Hash> leaves_;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> reads_;
  Status failure_;
};

MerkleTree FullTree(const std::vector<Hash>& leaves) {
  MerkleTree tree;
  for (const Hash& h : leaves) tree.Append(h);
  return tree;
}

MerkleTree CompactTree(FakeStore& store, unsigned level) {
  MerkleTree tree(store.Source(), level);
  for (const Hash& h : store.leaves()) tree.Append(h);
  return tree;
}

// Sizes and indices around every block boundary up to n, plus a stride through the rest.
std::vector<std::uint64_t> Samples(std::uint64_t n) {
  std::set<std::uint64_t> s = {0, 1, 2, 3, n - 1};
  for (std::uint64_t b = kBlock; b <= n + 1; b += kBlock) s.insert({b - 2, b - 1, b, b + 1});
  for (std::uint64_t i = 5; i < n; i += 37) s.insert(i);
  std::erase_if(s, [n](std::uint64_t i) { return i >= n; });
  return {s.begin(), s.end()};
}

void ExpectSameAsFull(const MerkleTree& compact, const MerkleTree& full, std::uint64_t index,
                      std::uint64_t size) {
  ASSERT_EQ(*compact.Leaf(index), *full.Leaf(index)) << index;
  ASSERT_EQ(*compact.InclusionProof(index, size), *full.InclusionProof(index, size))
      << index << " in " << size;
  ASSERT_EQ(*compact.ConsistencyProof(index, size), *full.ConsistencyProof(index, size))
      << index << " -> " << size;
}

TEST(CompactMerkleTreeTest, EqualsTheFullTreeForEveryPairUpTo80LeavesInBlocksOf16) {
  FakeStore store(SyntheticLeaves(80));
  const MerkleTree full = FullTree(store.leaves());
  const MerkleTree compact = CompactTree(store, 4);
  for (std::uint64_t size = 0; size <= 80; ++size) {
    ASSERT_EQ(*compact.Root(size), *full.Root(size)) << size;
    for (std::uint64_t index = 0; index < size; ++index) {
      ExpectSameAsFull(compact, full, index, size);
    }
  }
}

TEST(CompactMerkleTreeTest, EqualsTheFullTreeAtEverySizeWhileGrowingInBlocksOf16) {
  FakeStore store(SyntheticLeaves(80));
  MerkleTree full;
  MerkleTree compact(store.Source(), 4);
  for (const Hash& leaf : store.leaves()) {
    full.Append(leaf);
    compact.Append(leaf);
    ASSERT_EQ(compact.Root(), full.Root()) << full.size();
    for (std::uint64_t index = 0; index < full.size(); ++index) {
      ExpectSameAsFull(compact, full, index, full.size());
    }
  }
}

TEST(CompactMerkleTreeTest, EqualsTheFullTreeAcrossBlockBoundariesUpTo1100Leaves) {
  FakeStore store(SyntheticLeaves(1100));
  const MerkleTree full = FullTree(store.leaves());
  const MerkleTree compact = CompactTree(store, kLevel);
  for (std::uint64_t size = 0; size <= 1100; ++size) {
    ASSERT_EQ(*compact.Root(size), *full.Root(size)) << size;
  }
  for (std::uint64_t size : Samples(1101)) {
    for (std::uint64_t index : Samples(size)) ExpectSameAsFull(compact, full, index, size);
  }
}

TEST(CompactMerkleTreeTest, ReadsAtMostTwoBlocksPerCallAndNothingAtOrPastItsSize) {
  FakeStore store(SyntheticLeaves(1100));
  const MerkleTree compact = CompactTree(store, kLevel);
  for (std::uint64_t size : Samples(1101)) {
    for (std::uint64_t index : Samples(size)) {
      store.reads().clear();
      ASSERT_TRUE(compact.InclusionProof(index, size).ok());
      ASSERT_LE(store.reads().size(), 2u) << index << " in " << size;
      store.reads().clear();
      ASSERT_TRUE(compact.ConsistencyProof(index, size).ok());
      ASSERT_LE(store.reads().size(), 2u) << index << " -> " << size;
      for (const auto& [begin, end] : store.reads()) {
        EXPECT_EQ(begin % kBlock, 0u);
        EXPECT_LE(end - begin, kBlock);
        EXPECT_LE(end, size);
      }
    }
  }
}

TEST(CompactMerkleTreeTest, AppendAndTheCurrentRootNeverReadLeavesBack) {
  FakeStore store(SyntheticLeaves(1100));
  MerkleTree compact(store.Source(), kLevel);
  for (const Hash& leaf : store.leaves()) {
    compact.Append(leaf);
    ASSERT_TRUE(compact.Root(compact.size()).ok());
    (void)compact.Root();
  }
  ASSERT_TRUE(compact.Root(4 * kBlock).ok());  // whole blocks need no leaves either
  EXPECT_TRUE(store.reads().empty());
}

TEST(CompactMerkleTreeTest, LeafSourceErrorIsTheCallsStatus) {
  FakeStore store(SyntheticLeaves(600));
  const MerkleTree compact = CompactTree(store, kLevel);
  store.FailWith(Status::IOError("disk gone"));
  EXPECT_EQ(compact.Root(300).status().code(), StatusCode::kIOError);
  EXPECT_EQ(compact.Leaf(3).status().code(), StatusCode::kIOError);
  EXPECT_EQ(compact.InclusionProof(3, 600).status().code(), StatusCode::kIOError);
  EXPECT_EQ(compact.ConsistencyProof(100, 600).status().code(), StatusCode::kIOError);
  EXPECT_NE(compact.Root(300).status().message().find("disk gone"), std::string::npos);
  // What the tree holds still answers.
  EXPECT_TRUE(compact.InclusionProof(599, 600).ok());
  EXPECT_TRUE(compact.Root(512).ok());
}

TEST(CompactMerkleTreeTest, LeafSourceGivingTooFewLeavesIsCorruption) {
  FakeStore store(SyntheticLeaves(600));
  MerkleTree compact(
      [&](std::uint64_t begin, std::uint64_t end) -> StatusOr<std::vector<Hash>> {
        return std::vector<Hash>(end - begin - 1);
      },
      kLevel);
  for (const Hash& h : store.leaves()) compact.Append(h);
  EXPECT_EQ(compact.Root(300).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(compact.Leaf(3).status().code(), StatusCode::kCorruption);
}

TEST(CompactMerkleTreeTest, AlteredStoredLeafOfAWholeBlockIsCorruption) {
  FakeStore store(SyntheticLeaves(600));
  const MerkleTree compact = CompactTree(store, kLevel);
  store.leaves()[7][0] ^= 1;
  const auto proof = compact.InclusionProof(7, 600);
  EXPECT_EQ(proof.status().code(), StatusCode::kCorruption);
  EXPECT_NE(proof.status().message().find("leaves 0..255"), std::string::npos)
      << proof.status().ToString();
}

TEST(CompactMerkleTreeTest, MemoryStaysUnderOneBytePerLeafAt100kLeaves) {
  constexpr std::uint64_t kLeaves = 100'000;
  FakeStore store(SyntheticLeaves(kLeaves));
  const MerkleTree compact = CompactTree(store, kLevel);
  const MerkleTree full = FullTree(store.leaves());
  EXPECT_EQ(compact.Root(), full.Root());
  EXPECT_LT(compact.memory_bytes(), kLeaves);  // ~0.25 B per leaf, plus growth slack
  EXPECT_GT(full.memory_bytes(), 32 * kLeaves);
}

TEST(CompactMerkleTreeTest, ClearForgetsEvictedLeaves) {
  FakeStore store(SyntheticLeaves(600));
  MerkleTree compact = CompactTree(store, kLevel);
  compact.Clear();
  EXPECT_EQ(compact.size(), 0u);
  EXPECT_EQ(compact.Root(), EmptyRoot());
  for (std::uint64_t i = 0; i < 300; ++i) compact.Append(store.leaves()[i]);
  EXPECT_EQ(*compact.Root(300), *FullTree(store.leaves()).Root(300));
}

TEST(CompactMerkleTreeDeathTest, JoiningCompactTreesAborts) {
  FakeStore store(SyntheticLeaves(16));
  MerkleTree compact = CompactTree(store, kLevel);
  const MerkleTree block = FullTree(store.leaves());
  EXPECT_DEATH(compact.AppendTree(block), "");
}

}  // namespace
}  // namespace oversight::ledger
