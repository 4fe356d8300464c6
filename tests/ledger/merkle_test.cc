#include "oversight/ledger/merkle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "oversight/common/encoding.h"
#include "oversight/common/hash.h"

namespace oversight::ledger {
namespace {

Hash FromHex(std::string_view hex) {
  auto bytes = HexDecode(hex);
  EXPECT_TRUE(bytes.ok() && bytes->size() == 32) << hex;
  Hash h{};
  if (bytes.ok() && bytes->size() == 32) std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

// transparency-dev/merkle testonly/constants.go: LeafInputs() and RootHashes().
const std::vector<std::string> kLeafInputsHex = {"",
                                                 "00",
                                                 "10",
                                                 "2021",
                                                 "3031",
                                                 "40414243",
                                                 "5051525354555657",
                                                 "606162636465666768696a6b6c6d6e6f"};
const std::vector<std::string> kRootHashesHex = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

MerkleTree TestVectorTree() {
  MerkleTree tree;
  for (const auto& hex : kLeafInputsHex) tree.Append(LeafHash(*HexDecode(hex)));
  return tree;
}

// Distinct, cheap leaf hashes for structural tests.
MerkleTree SyntheticTree(std::uint64_t n) {
  MerkleTree tree;
  tree.Reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) tree.Append(LeafHash(AsBytes(std::to_string(i))));
  return tree;
}

// Straight transcriptions of RFC 6962 §2.1 (MTH, PATH, SUBPROOF), O(n) and independent of the
// cached-subtree implementation under test.
std::uint64_t Split(std::uint64_t n) {
  std::uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
Hash NaiveRoot(const std::vector<Hash>& d, std::uint64_t lo, std::uint64_t hi) {
  if (hi == lo) return EmptyRoot();
  if (hi - lo == 1) return d[lo];
  const std::uint64_t k = Split(hi - lo);
  return NodeHash(NaiveRoot(d, lo, lo + k), NaiveRoot(d, lo + k, hi));
}
std::vector<Hash> NaivePath(const std::vector<Hash>& d, std::uint64_t m, std::uint64_t lo,
                            std::uint64_t hi) {
  if (hi - lo <= 1) return {};
  const std::uint64_t k = Split(hi - lo);
  std::vector<Hash> p = m < k ? NaivePath(d, m, lo, lo + k) : NaivePath(d, m - k, lo + k, hi);
  p.push_back(m < k ? NaiveRoot(d, lo + k, hi) : NaiveRoot(d, lo, lo + k));
  return p;
}
std::vector<Hash> NaiveSubproof(const std::vector<Hash>& d, std::uint64_t m, std::uint64_t lo,
                                std::uint64_t hi, bool b) {
  if (m == hi - lo) return b ? std::vector<Hash>{} : std::vector<Hash>{NaiveRoot(d, lo, hi)};
  const std::uint64_t k = Split(hi - lo);
  std::vector<Hash> p =
      m <= k ? NaiveSubproof(d, m, lo, lo + k, b) : NaiveSubproof(d, m - k, lo + k, hi, false);
  p.push_back(m <= k ? NaiveRoot(d, lo + k, hi) : NaiveRoot(d, lo, lo + k));
  return p;
}

std::vector<Hash> Leaves(const MerkleTree& tree) {
  std::vector<Hash> out;
  for (std::uint64_t i = 0; i < tree.size(); ++i) out.push_back(*tree.Leaf(i));
  return out;
}

TEST(MerkleHashTest, EmptyRootIsSha256OfTheEmptyString) {
  EXPECT_EQ(EmptyRoot(), FromHex(kRootHashesHex[0]));
}

TEST(MerkleHashTest, LeafHashOfEmptyEntryMatchesRfc6962Vector) {
  EXPECT_EQ(LeafHash({}),
            FromHex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"));
}

TEST(MerkleHashTest, LeafHashMatchesRfc6962Vector) {
  EXPECT_EQ(LeafHash(AsBytes("L123456")),
            FromHex("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"));
}

TEST(MerkleHashTest, NodeHashConstructionMatchesRfc6962Vector) {
  // The upstream vector hashes 4-byte children; NodeHash takes 32-byte ones, so check the
  // 0x01 || left || right construction it uses, then NodeHash itself on real children.
  EXPECT_EQ(Sha256Prefixed(0x01, AsBytes("N123"), AsBytes("N456")),
            FromHex("aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"));
  const MerkleTree tree = TestVectorTree();
  EXPECT_EQ(NodeHash(*tree.Leaf(0), *tree.Leaf(1)), FromHex(kRootHashesHex[2]));
}

TEST(MerkleTreeTest, RootsMatchTransparencyDevVectorsForSizes0To8) {
  MerkleTree tree;
  EXPECT_EQ(tree.Root(), FromHex(kRootHashesHex[0]));
  for (std::size_t i = 0; i < kLeafInputsHex.size(); ++i) {
    tree.Append(LeafHash(*HexDecode(kLeafInputsHex[i])));
    EXPECT_EQ(tree.Root(), FromHex(kRootHashesHex[i + 1])) << "size " << i + 1;
  }
}

TEST(MerkleTreeTest, RootOfPrefixMatchesTransparencyDevVectors) {
  const MerkleTree tree = TestVectorTree();
  for (std::uint64_t size = 0; size <= 8; ++size) {
    auto root = tree.Root(size);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(*root, FromHex(kRootHashesHex[size])) << "size " << size;
  }
}

TEST(MerkleTreeTest, RootBeyondSizeIsInvalidArgument) {
  EXPECT_EQ(TestVectorTree().Root(9).status().code(), StatusCode::kInvalidArgument);
}

TEST(MerkleTreeTest, InclusionProofOutsideTheTreeIsInvalidArgument) {
  const MerkleTree tree = TestVectorTree();
  EXPECT_EQ(tree.InclusionProof(8, 8).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tree.InclusionProof(0, 9).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tree.InclusionProof(0, 0).status().code(), StatusCode::kInvalidArgument);
}

TEST(MerkleTreeTest, ConsistencyProofOutsideTheTreeIsInvalidArgument) {
  const MerkleTree tree = TestVectorTree();
  EXPECT_EQ(tree.ConsistencyProof(5, 4).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tree.ConsistencyProof(4, 9).status().code(), StatusCode::kInvalidArgument);
}

TEST(MerkleTreeTest, ConsistencyProofFromEmptyOrSameSizeIsEmpty) {
  const MerkleTree tree = TestVectorTree();
  EXPECT_TRUE(tree.ConsistencyProof(0, 8)->empty());
  EXPECT_TRUE(tree.ConsistencyProof(5, 5)->empty());
}

TEST(MerkleTreeTest, ProofsEqualThePublishedHappyPathProofs) {
  const MerkleTree tree = TestVectorTree();
  // testdata/merkle/inclusion/2/happy-path.json and consistency/2/happy-path.json.
  auto inclusion = tree.InclusionProof(5, 8);
  ASSERT_TRUE(inclusion.ok());
  ASSERT_EQ(inclusion->size(), 3u);
  EXPECT_EQ(Base64Encode((*inclusion)[0]), "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=");
  EXPECT_EQ(Base64Encode((*inclusion)[2]), "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=");
  auto consistency = tree.ConsistencyProof(6, 8);
  ASSERT_TRUE(consistency.ok());
  ASSERT_EQ(consistency->size(), 3u);
  EXPECT_EQ(Base64Encode((*consistency)[0]), "DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=");
}

TEST(MerkleTreeTest, RootsAndProofsMatchNaiveRfc6962UpTo300Leaves) {
  const MerkleTree tree = SyntheticTree(300);
  const std::vector<Hash> d = Leaves(tree);
  for (std::uint64_t n = 1; n <= 300; n += (n < 40 ? 1 : 13)) {
    ASSERT_EQ(*tree.Root(n), NaiveRoot(d, 0, n)) << "size " << n;
    for (std::uint64_t m = 0; m < n; m += (n < 40 ? 1 : 7)) {
      ASSERT_EQ(*tree.InclusionProof(m, n), NaivePath(d, m, 0, n)) << m << " in " << n;
      if (m > 0) {
        ASSERT_EQ(*tree.ConsistencyProof(m, n), NaiveSubproof(d, m, 0, n, true)) << m << "->" << n;
      }
    }
  }
}

TEST(MerkleTreeTest, LargeTreeProofsVerifyAcrossCachedLevels) {
  const std::uint64_t n = (1u << 17) + 3;
  const MerkleTree tree = SyntheticTree(n);
  const Hash root = tree.Root();
  EXPECT_EQ(root, NaiveRoot(Leaves(tree), 0, n));
  for (std::uint64_t index : std::vector<std::uint64_t>{0, 15, 16, 65535, 65536, n - 1}) {
    auto proof = tree.InclusionProof(index, n);
    ASSERT_TRUE(proof.ok());
    EXPECT_TRUE(VerifyInclusion(index, n, *tree.Leaf(index), *proof, root).ok()) << index;
  }
  for (std::uint64_t m : std::vector<std::uint64_t>{1, 16, 17, 1000, 65536, n - 1}) {
    auto proof = tree.ConsistencyProof(m, n);
    ASSERT_TRUE(proof.ok());
    EXPECT_TRUE(VerifyConsistency(m, n, *tree.Root(m), root, *proof).ok()) << m;
  }
}

// Joins `leaves` in aligned blocks of `block` leaves (a power of two), the last one shorter.
MerkleTree JoinedInBlocks(const std::vector<Hash>& leaves, std::uint64_t block) {
  MerkleTree joined;
  for (std::uint64_t lo = 0; lo < leaves.size(); lo += block) {
    MerkleTree part;
    for (std::uint64_t i = lo; i < std::min<std::uint64_t>(lo + block, leaves.size()); ++i) {
      part.Append(leaves[i]);
    }
    joined.AppendTree(part);
  }
  return joined;
}

TEST(MerkleTreeTest, TreesJoinedFromAlignedBlocksEqualOneBuiltLeafByLeaf) {
  const std::uint64_t n = (1u << 12) + 37;
  const MerkleTree whole = SyntheticTree(n);
  const std::vector<Hash> d = Leaves(whole);
  for (std::uint64_t block : std::vector<std::uint64_t>{1, 2, 16, 64, 1024, 1u << 13}) {
    const MerkleTree joined = JoinedInBlocks(d, block);
    ASSERT_EQ(joined.size(), n);
    for (std::uint64_t size : std::vector<std::uint64_t>{1, 15, 16, 17, 1024, 1025, 4096, n}) {
      ASSERT_EQ(*joined.Root(size), *whole.Root(size)) << "block " << block << " size " << size;
    }
    for (std::uint64_t index : std::vector<std::uint64_t>{0, 16, 1023, 4095, n - 1}) {
      ASSERT_EQ(*joined.InclusionProof(index, n), *whole.InclusionProof(index, n)) << index;
    }
    ASSERT_EQ(*joined.ConsistencyProof(1000, n), *whole.ConsistencyProof(1000, n));
    MerkleTree extended = joined;  // appending leaf by leaf after a join keeps working
    extended.Append(d[0]);
    MerkleTree reference = whole;
    reference.Append(d[0]);
    ASSERT_EQ(extended.Root(), reference.Root()) << "block " << block;
  }
}

TEST(MerkleTreeDeathTest, AppendingAMisalignedBlockAborts) {
  MerkleTree tree = SyntheticTree(3);
  MerkleTree block = SyntheticTree(4);
  EXPECT_DEATH(tree.AppendTree(block), "");
}

TEST(MerkleVerifyTest, InclusionIndexAtOrBeyondSizeIsInvalidArgument) {
  const MerkleTree tree = TestVectorTree();
  const Status s = VerifyInclusion(8, 8, *tree.Leaf(0), {}, tree.Root());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST(MerkleVerifyTest, InclusionProofOfWrongLengthIsInvalidArgument) {
  const MerkleTree tree = TestVectorTree();
  std::vector<Hash> proof = *tree.InclusionProof(5, 8);
  proof.push_back(proof.back());
  EXPECT_EQ(VerifyInclusion(5, 8, *tree.Leaf(5), proof, tree.Root()).code(),
            StatusCode::kInvalidArgument);
  proof.resize(2);
  EXPECT_EQ(VerifyInclusion(5, 8, *tree.Leaf(5), proof, tree.Root()).code(),
            StatusCode::kInvalidArgument);
}

TEST(MerkleVerifyTest, InclusionOfWrongLeafIsCorruptionWithAuditorMessage) {
  const MerkleTree tree = TestVectorTree();
  const Status s = VerifyInclusion(5, 8, *tree.Leaf(4), *tree.InclusionProof(5, 8), tree.Root());
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("inclusion proof does not lead to the given root"), std::string::npos)
      << s.message();
}

TEST(MerkleVerifyTest, ConsistencyWithSize1AboveSize2IsInvalidArgument) {
  const MerkleTree tree = TestVectorTree();
  EXPECT_EQ(VerifyConsistency(8, 6, tree.Root(), *tree.Root(6), {}).code(),
            StatusCode::kInvalidArgument);
}

TEST(MerkleVerifyTest, ConsistencyWithSwappedRootsIsCorruption) {
  const MerkleTree tree = TestVectorTree();
  const Status s =
      VerifyConsistency(6, 8, tree.Root(), *tree.Root(6), *tree.ConsistencyProof(6, 8));
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
}

TEST(MerkleVerifyTest, ConsistencyOfEqualSizesWithDifferentRootsIsCorruption) {
  const MerkleTree tree = TestVectorTree();
  EXPECT_EQ(VerifyConsistency(6, 6, *tree.Root(6), *tree.Root(7), {}).code(),
            StatusCode::kCorruption);
}

TEST(MerkleVerifyTest, ConsistencyFromEmptyTreeNeedsEmptyProof) {
  const MerkleTree tree = TestVectorTree();
  EXPECT_TRUE(VerifyConsistency(0, 8, EmptyRoot(), tree.Root(), {}).ok());
  const std::vector<Hash> one = {EmptyRoot()};
  EXPECT_EQ(VerifyConsistency(0, 8, EmptyRoot(), tree.Root(), one).code(),
            StatusCode::kInvalidArgument);
}

TEST(MerkleVerifyTest, ConsistencyFromEmptyTreeWithNonEmptyRootIsCorruption) {
  const MerkleTree tree = TestVectorTree();
  EXPECT_EQ(VerifyConsistency(0, 8, tree.Root(), tree.Root(), {}).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace oversight::ledger
