// Proofs and checkpoints of ledgers larger than the tree's in-memory block (256 entries), where
// the ledger's compact tree reads evicted leaf hashes back from the store.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "ledger_test_util.h"
#include "oversight/common/encoding.h"
#include "oversight/ledger/ledger.h"
#include "oversight/ledger/merkle.h"

namespace oversight::ledger {
namespace {

using testing::CreateTestLedger;
using testing::TempDir;

LedgerOptions OnDemandCheckpointsOnly() {
  LedgerOptions options;
  options.checkpoint_every_entries = 0;
  options.checkpoint_every = std::chrono::milliseconds(0);
  return options;
}

// Appends until the ledger holds each of `sizes` entries in turn, signing a checkpoint at each.
std::vector<SignedCheckpoint> AppendWithCheckpointsAt(Ledger& ledger,
                                                      const std::vector<std::uint64_t>& sizes) {
  std::vector<SignedCheckpoint> out;
  for (std::uint64_t size : sizes) {
    while (ledger.size() < size) {
      EXPECT_TRUE(ledger.Append("test", "{\"i\":" + std::to_string(ledger.size()) + "}").ok());
    }
    auto cp = ledger.Checkpoint();
    EXPECT_TRUE(cp.ok()) << cp.status().ToString();
    if (cp.ok()) out.push_back(*cp);
  }
  return out;
}

// Every sampled proof verifies against the signed roots, and each proven leaf hash is the hash
// of the stored entry.
void ExpectProofsVerify(const Ledger& ledger, const std::vector<SignedCheckpoint>& cps) {
  for (const SignedCheckpoint& cp : cps) {
    for (std::uint64_t index : {0ul, 1ul, 255ul, 256ul, 257ul, 299ul, 511ul, cp.size - 1}) {
      if (index >= cp.size) continue;
      auto p = ledger.ProveInclusion(index, cp.size);
      ASSERT_TRUE(p.ok()) << p.status().ToString();
      EXPECT_EQ(p->root, cp.root) << cp.size;
      EXPECT_EQ(p->leaf_hash, LeafHash(AsBytes(*ledger.EntryBytes(index))));
      EXPECT_TRUE(VerifyInclusion(index, cp.size, p->leaf_hash, p->hashes, cp.root).ok())
          << index << " in " << cp.size;
    }
  }
  for (std::size_t i = 1; i < cps.size(); ++i) {
    auto c = ledger.ProveConsistency(cps[i - 1].size, cps[i].size);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_TRUE(
        VerifyConsistency(cps[i - 1].size, cps[i].size, cps[i - 1].root, cps[i].root, c->hashes)
            .ok())
        << cps[i - 1].size << " -> " << cps[i].size;
  }
}

class LedgerProofTest : public ::testing::Test {
 protected:
  // A ledger of 600 entries with checkpoints on and beside block boundaries.
  std::vector<SignedCheckpoint> MakeCheckpointedLedger() {
    auto ledger = Ledger::Open(paths_, OnDemandCheckpointsOnly());
    EXPECT_TRUE(ledger.ok()) << ledger.status().ToString();
    if (!ledger.ok()) return {};
    return AppendWithCheckpointsAt(**ledger, {1, 255, 256, 257, 300, 512, 513, 600});
  }

  TempDir tmp_;
  LedgerPaths paths_ = CreateTestLedger(tmp_.path());
};

TEST_F(LedgerProofTest, ProofsAcrossEvictedBlocksVerifyBeforeAndAfterReopen) {
  std::vector<SignedCheckpoint> cps;
  {
    auto ledger = Ledger::Open(paths_, OnDemandCheckpointsOnly());
    ASSERT_TRUE(ledger.ok());
    cps = AppendWithCheckpointsAt(**ledger, {1, 255, 256, 257, 300, 512, 513, 600});
    ExpectProofsVerify(**ledger, cps);
  }
  auto reopened = Ledger::Open(paths_, OnDemandCheckpointsOnly());  // checks every checkpoint
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ((*reopened)->Checkpoints().size(), cps.size());
  ExpectProofsVerify(**reopened, cps);
  EXPECT_TRUE(testing::MustVerify(paths_).ok);
}

TEST_F(LedgerProofTest, ProofsServedWhileAppendingVerify) {
  auto ledger = Ledger::Open(paths_, OnDemandCheckpointsOnly());
  ASSERT_TRUE(ledger.ok());
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 700; ++i) EXPECT_TRUE((*ledger)->Append("test", "{}").ok());
    done = true;
  });
  int proofs = 0;
  while (!done) {
    const std::uint64_t size = (*ledger)->size();
    if (size < 2) continue;
    auto p = (*ledger)->ProveInclusion(size / 3, size);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_TRUE(VerifyInclusion(size / 3, size, p->leaf_hash, p->hashes, p->root).ok()) << size;
    auto c = (*ledger)->ProveConsistency(size / 2, size);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_EQ(c->root2, p->root);
    EXPECT_TRUE(VerifyConsistency(size / 2, size, c->root1, c->root2, c->hashes).ok()) << size;
    ++proofs;
  }
  writer.join();
  EXPECT_GT(proofs, 0);
}

TEST_F(LedgerProofTest, OpenRefusesACheckpointWhoseRootNoLongerMatchesInsideABlock) {
  MakeCheckpointedLedger();
  testing::RawLedgerDb(paths_).Exec("UPDATE checkpoints SET root = zeroblob(32) WHERE size = 300;");
  auto ledger = Ledger::Open(paths_);
  ASSERT_EQ(ledger.status().code(), StatusCode::kCorruption);
  EXPECT_NE(ledger.status().message().find("checkpoint at size 300"), std::string::npos)
      << ledger.status().ToString();
}

TEST_F(LedgerProofTest, OpenRefusesACheckpointBeyondTheStoredEntries) {
  MakeCheckpointedLedger();
  testing::RawLedgerDb(paths_).Exec("DELETE FROM entries WHERE seq >= 580;");
  auto ledger = Ledger::Open(paths_);
  ASSERT_EQ(ledger.status().code(), StatusCode::kCorruption);
  EXPECT_NE(ledger.status().message().find("checkpoint at size 600"), std::string::npos)
      << ledger.status().ToString();
}

TEST_F(LedgerProofTest, ProofNeedingAStoredLeafThatVanishedIsCorruptionNotACrash) {
  MakeCheckpointedLedger();
  auto ledger = Ledger::Open(paths_);
  ASSERT_TRUE(ledger.ok());
  testing::RawLedgerDb(paths_).Exec("DELETE FROM entries WHERE seq = 10;");
  EXPECT_EQ((*ledger)->ProveInclusion(10, 600).status().code(), StatusCode::kCorruption);
  EXPECT_EQ((*ledger)->ProveConsistency(100, 600).status().code(), StatusCode::kCorruption);
  EXPECT_TRUE((*ledger)->ProveInclusion(599, 600).ok());  // the last block is still in memory
}

TEST_F(LedgerProofTest, ProofFromAnAlteredStoredLeafHashIsCorruption) {
  MakeCheckpointedLedger();
  auto ledger = Ledger::Open(paths_);
  ASSERT_TRUE(ledger.ok());
  testing::RawLedgerDb(paths_).Exec("UPDATE entries SET leaf = zeroblob(32) WHERE seq = 10;");
  auto p = (*ledger)->ProveInclusion(10, 600);
  EXPECT_EQ(p.status().code(), StatusCode::kCorruption);
  EXPECT_NE(p.status().message().find("leaves 0..255"), std::string::npos) << p.status().ToString();
}

}  // namespace
}  // namespace oversight::ledger
