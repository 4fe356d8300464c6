// Proof verification against published vectors (transparency-dev/merkle testdata) and an
// exhaustive generate-then-verify sweep over every small tree.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "oversight/common/encoding.h"
#include "oversight/common/hash.h"
#include "oversight/ledger/merkle.h"

namespace oversight::ledger {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::uint64_t kExhaustiveLeaves = 64;

// A vector's hash: nullopt when it is not base64 of exactly 32 bytes (our API cannot even be
// called with it, so a vector expecting an error is satisfied).
std::optional<Hash> DecodeHash(const json& j) {
  auto bytes = Base64Decode(j.get<std::string>());
  if (!bytes.ok() || bytes->size() != 32) return std::nullopt;
  Hash h{};
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

// Some positive upstream vectors use short "don't care" roots where only their equality
// matters; a SHA-256 of the bytes is a 32-byte stand-in that preserves equality.
Hash StandIn(const json& j) {
  auto decoded = DecodeHash(j);
  if (decoded) return *decoded;
  return Sha256(j.get<std::string>());
}

std::vector<json> LoadVectors(const std::string& kind) {
  std::vector<json> out;
  const fs::path dir = fs::path(OVERSIGHT_TESTDATA_DIR) / "merkle" / kind;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    json j = json::parse(in);
    j["file"] = fs::relative(entry.path(), dir).string();
    out.push_back(std::move(j));
  }
  return out;
}

struct Decoded {
  bool representable = true;
  std::vector<Hash> proof;
};

Decoded DecodeProof(const json& v, bool want_err) {
  Decoded d;
  if (v["proof"].is_null()) return d;
  for (const json& p : v["proof"]) {
    auto h = DecodeHash(p);
    if (!h) d.representable = false;
    d.proof.push_back(want_err ? h.value_or(Hash{}) : StandIn(p));
  }
  return d;
}

// The expected outcome is that a failure is InvalidArgument or Corruption, never anything else.
void ExpectOutcome(const Status& s, bool want_err) {
  if (!want_err) {
    EXPECT_TRUE(s.ok()) << s.ToString();
    return;
  }
  EXPECT_TRUE(s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kCorruption)
      << "got " << s.ToString();
}

TEST(MerkleVectorTest, InclusionVectorsFromTransparencyDevGiveExpectedResults) {
  const std::vector<json> vectors = LoadVectors("inclusion");
  ASSERT_GE(vectors.size(), 30u) << "testdata/merkle/inclusion is missing files";
  for (const json& v : vectors) {
    SCOPED_TRACE(v["file"].get<std::string>());
    const bool want_err = v["wantErr"].get<bool>();
    const auto index = (v.contains("leafIdx") ? v["leafIdx"] : v["leafIndex"]).get<std::uint64_t>();
    const auto size = v["treeSize"].get<std::uint64_t>();
    const auto root = DecodeHash(v["root"]);
    const auto leaf = DecodeHash(v["leafHash"]);
    const Decoded proof = DecodeProof(v, want_err);
    if (!root || !leaf || !proof.representable) {
      EXPECT_TRUE(want_err) << "a positive vector has a hash that is not 32 bytes";
      continue;
    }
    ExpectOutcome(VerifyInclusion(index, size, *leaf, proof.proof, *root), want_err);
  }
}

TEST(MerkleVectorTest, ConsistencyVectorsFromTransparencyDevGiveExpectedResults) {
  const std::vector<json> vectors = LoadVectors("consistency");
  ASSERT_GE(vectors.size(), 30u) << "testdata/merkle/consistency is missing files";
  for (const json& v : vectors) {
    SCOPED_TRACE(v["file"].get<std::string>());
    const bool want_err = v["wantErr"].get<bool>();
    const auto size1 = v["size1"].get<std::uint64_t>();
    const auto size2 = v["size2"].get<std::uint64_t>();
    const Decoded proof = DecodeProof(v, want_err);
    const auto root1 = want_err ? DecodeHash(v["root1"]) : StandIn(v["root1"]);
    const auto root2 = want_err ? DecodeHash(v["root2"]) : StandIn(v["root2"]);
    if (!root1 || !root2 || !proof.representable) {
      EXPECT_TRUE(want_err) << "a positive vector has a proof hash that is not 32 bytes";
      continue;
    }
    ExpectOutcome(VerifyConsistency(size1, size2, *root1, *root2, proof.proof), want_err);
  }
}

MerkleTree SyntheticTree(std::uint64_t n) {
  MerkleTree tree;
  for (std::uint64_t i = 0; i < n; ++i) tree.Append(LeafHash(AsBytes("leaf " + std::to_string(i))));
  return tree;
}

// Flips one bit of proof[i]; the bit position varies with the inputs to cover every byte.
std::vector<Hash> FlipOneBit(std::vector<Hash> proof, std::size_t i, std::uint64_t salt) {
  const std::uint64_t bit = (salt * 31 + i * 7) % 256;
  proof[i][bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  return proof;
}

TEST(MerkleExhaustiveTest, EveryInclusionProofUpTo64LeavesVerifies) {
  const MerkleTree tree = SyntheticTree(kExhaustiveLeaves);
  for (std::uint64_t size = 1; size <= kExhaustiveLeaves; ++size) {
    const Hash root = *tree.Root(size);
    for (std::uint64_t index = 0; index < size; ++index) {
      auto proof = tree.InclusionProof(index, size);
      ASSERT_TRUE(proof.ok());
      ASSERT_EQ(proof->size(), InclusionProofLength(index, size));
      const Status s = VerifyInclusion(index, size, *tree.Leaf(index), *proof, root);
      ASSERT_TRUE(s.ok()) << index << " in " << size << ": " << s.ToString();
    }
  }
}

TEST(MerkleExhaustiveTest, FlippedBitInAnyInclusionProofHashIsCorruption) {
  const MerkleTree tree = SyntheticTree(kExhaustiveLeaves);
  for (std::uint64_t size = 1; size <= kExhaustiveLeaves; ++size) {
    const Hash root = *tree.Root(size);
    for (std::uint64_t index = 0; index < size; ++index) {
      const std::vector<Hash> proof = *tree.InclusionProof(index, size);
      for (std::size_t i = 0; i < proof.size(); ++i) {
        const Status s = VerifyInclusion(index, size, *tree.Leaf(index),
                                         FlipOneBit(proof, i, size + index), root);
        ASSERT_EQ(s.code(), StatusCode::kCorruption) << index << " in " << size << " hash " << i;
      }
    }
  }
}

TEST(MerkleExhaustiveTest, InclusionProofForAnotherLeafIsRejected) {
  const MerkleTree tree = SyntheticTree(kExhaustiveLeaves);
  for (std::uint64_t size = 2; size <= kExhaustiveLeaves; ++size) {
    const Hash root = *tree.Root(size);
    for (std::uint64_t index = 0; index < size; ++index) {
      const std::uint64_t other = (index + 1) % size;
      const Status s =
          VerifyInclusion(other, size, *tree.Leaf(other), *tree.InclusionProof(index, size), root);
      ASSERT_FALSE(s.ok()) << index << " proof used for " << other << " in " << size;
    }
  }
}

TEST(MerkleExhaustiveTest, EveryConsistencyProofUpTo64LeavesVerifies) {
  const MerkleTree tree = SyntheticTree(kExhaustiveLeaves);
  for (std::uint64_t n = 0; n <= kExhaustiveLeaves; ++n) {
    for (std::uint64_t m = 0; m <= n; ++m) {
      auto proof = tree.ConsistencyProof(m, n);
      ASSERT_TRUE(proof.ok());
      ASSERT_EQ(proof->size(), ConsistencyProofLength(m, n));
      const Status s = VerifyConsistency(m, n, *tree.Root(m), *tree.Root(n), *proof);
      ASSERT_TRUE(s.ok()) << m << " -> " << n << ": " << s.ToString();
    }
  }
}

TEST(MerkleExhaustiveTest, FlippedBitInAnyConsistencyProofHashIsCorruption) {
  const MerkleTree tree = SyntheticTree(kExhaustiveLeaves);
  for (std::uint64_t n = 1; n <= kExhaustiveLeaves; ++n) {
    for (std::uint64_t m = 1; m < n; ++m) {
      const std::vector<Hash> proof = *tree.ConsistencyProof(m, n);
      for (std::size_t i = 0; i < proof.size(); ++i) {
        const Status s =
            VerifyConsistency(m, n, *tree.Root(m), *tree.Root(n), FlipOneBit(proof, i, m * 67 + n));
        ASSERT_EQ(s.code(), StatusCode::kCorruption) << m << " -> " << n << " hash " << i;
      }
    }
  }
}

TEST(MerkleExhaustiveTest, ConsistencyProofWithAlteredOldOrNewRootIsCorruption) {
  const MerkleTree tree = SyntheticTree(kExhaustiveLeaves);
  const MerkleTree forked = SyntheticTree(kExhaustiveLeaves + 1);  // same leaves, longer
  for (std::uint64_t n = 2; n <= kExhaustiveLeaves; ++n) {
    for (std::uint64_t m = 1; m < n; ++m) {
      const std::vector<Hash> proof = *tree.ConsistencyProof(m, n);
      Hash bad = *tree.Root(m);
      bad[0] ^= 1;
      ASSERT_EQ(VerifyConsistency(m, n, bad, *tree.Root(n), proof).code(), StatusCode::kCorruption);
      ASSERT_EQ(VerifyConsistency(m, n, *tree.Root(m), *forked.Root(n + 1), proof).code(),
                StatusCode::kCorruption)
          << "a root of a different size must not verify";
    }
  }
}

}  // namespace
}  // namespace oversight::ledger
