// Tampering by an insider who holds the database key: each change is found by `verify`,
// which names the first bad entry and what is wrong with it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ledger_test_util.h"
#include "oversight/ledger/verify.h"

namespace oversight::ledger {
namespace {

using testing::RawLedgerDb;

class TamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    paths_ = testing::CreateTestLedger(tmp_.path());
    testing::AppendEntries(paths_, 10);
    ASSERT_TRUE(testing::MustVerify(paths_).ok);
  }
  std::string LatestCheckpointNote() {
    auto ledger = Ledger::Open(paths_);
    EXPECT_TRUE(ledger.ok());
    auto cp = (*ledger)->Checkpoint();
    EXPECT_TRUE(cp.ok());
    return cp.ok() ? cp->note : "";
  }
  testing::TempDir tmp_;
  LedgerPaths paths_;
};

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos);
  return pos == std::string::npos ? s : s.replace(pos, from.size(), to);
}

TEST_F(TamperTest, ChangedPayloadIsNamed) {
  {
    RawLedgerDb raw(paths_);
    raw.SetEntryBytes(4, Replace(raw.EntryBytes(4), "\"i\":4", "\"i\":5"), false);
  }
  auto r = testing::MustVerify(paths_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 4u);
  EXPECT_NE(r.problem.find("altered"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, ChangedPayloadWithRecomputedLeafBreaksTheNextLink) {
  {
    RawLedgerDb raw(paths_);
    raw.SetEntryBytes(4, Replace(raw.EntryBytes(4), "\"i\":4", "\"i\":5"), true);
  }
  auto r = testing::MustVerify(paths_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 5u);
  EXPECT_NE(r.problem.find("hash of entry 4"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, RewrittenChainIsCaughtByTheStoredCheckpoint) {
  // Re-link every later entry so the chain is whole again: only the signature can tell.
  {
    RawLedgerDb raw(paths_);
    raw.SetEntryBytes(9, Replace(raw.EntryBytes(9), "\"i\":9", "\"i\":0"), true);
  }
  auto r = testing::MustVerify(paths_);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("history was rewritten"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, NonCanonicalBytesAreNamed) {
  {
    RawLedgerDb raw(paths_);
    raw.SetEntryBytes(2, Replace(raw.EntryBytes(2), "{\"i\":2}", "{ \"i\":2}"), true);
  }
  auto r = testing::MustVerify(paths_);
  EXPECT_EQ(r.bad_seq, 2u);
  EXPECT_NE(r.problem.find("canonical"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, DeletedEntryIsNamed) {
  { RawLedgerDb(paths_).Exec("DELETE FROM entries WHERE seq = 6;"); }
  auto r = testing::MustVerify(paths_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 6u);
  EXPECT_NE(r.problem.find("missing"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, InsertedEntryIsFoundWhereTheNumberingBreaks) {
  {
    // A well-formed forged entry 4 that links to entry 3; the old 4.. move up by one.
    RawLedgerDb raw(paths_);
    std::string e3 = raw.EntryBytes(3), e4 = raw.EntryBytes(4);
    std::string prev4 = e4.substr(e4.find("\"prev\":\"") + 8, 64);
    std::string forged =
        Replace(Replace(e4, "\"i\":4", "\"i\":44"), "\"prev\":\"" + prev4, "\"prev\":\"" + prev4);
    raw.Exec("UPDATE entries SET seq = -(seq + 1) WHERE seq >= 4;");
    raw.Exec("UPDATE entries SET seq = -seq WHERE seq < 0;");
    raw.Exec("INSERT INTO entries(seq, bytes, leaf) VALUES(4, x'00', x'00');");
    raw.SetEntryBytes(4, forged, true);
  }
  auto r = testing::MustVerify(paths_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 5u);
  EXPECT_NE(r.problem.find("inserted before it"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, SwappedEntriesAreNamed) {
  {
    RawLedgerDb raw(paths_);
    raw.Exec("UPDATE entries SET seq = 100 WHERE seq = 3;");
    raw.Exec("UPDATE entries SET seq = 3 WHERE seq = 4;");
    raw.Exec("UPDATE entries SET seq = 4 WHERE seq = 100;");
  }
  auto r = testing::MustVerify(paths_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 3u);
  EXPECT_NE(r.problem.find("swapped"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, TruncatedTailIsCaughtByAStoredCheckpoint) {
  { RawLedgerDb(paths_).Exec("DELETE FROM entries WHERE seq >= 7;"); }
  auto r = testing::MustVerify(paths_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 7u);
  EXPECT_NE(r.problem.find("removed from the tail"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, TruncatedTailWithCheckpointsRemovedIsCaughtByTheTrustedCheckpoint) {
  std::string trusted = LatestCheckpointNote();
  {
    RawLedgerDb raw(paths_);
    raw.Exec("DELETE FROM entries WHERE seq >= 7; DELETE FROM checkpoints WHERE size > 7;");
  }
  EXPECT_TRUE(testing::MustVerify(paths_).ok);  // alone, a clean truncation cannot be seen
  auto r = testing::MustVerify(paths_, trusted);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("truncated"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, OlderCopyOfTheFileIsCaughtByTheTrustedCheckpoint) {
  testing::TempDir old_dir;
  auto old_paths = LedgerPaths::InDirectory(old_dir.path());
  testing::CopyLedgerFiles(paths_, old_paths);
  testing::AppendEntries(paths_, 5, 10);
  std::string trusted = LatestCheckpointNote();
  testing::CopyLedgerFiles(old_paths, paths_);
  auto r = testing::MustVerify(paths_, trusted);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("older copy"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, ForkIsCaughtByTheTrustedCheckpoint) {
  testing::TempDir fork_dir;
  auto fork_paths = LedgerPaths::InDirectory(fork_dir.path());
  testing::CopyLedgerFiles(paths_, fork_paths);
  fork_paths.key = paths_.key;
  fork_paths.signing_key = paths_.signing_key;
  fork_paths.verifier_key = paths_.verifier_key;
  testing::AppendEntries(paths_, 3, 100);
  testing::AppendEntries(fork_paths, 3, 200);
  auto r = testing::MustVerify(fork_paths, LatestCheckpointNote());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("forked"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, AlteredCheckpointSignatureIsFound) {
  {
    RawLedgerDb raw(paths_);
    raw.Exec("UPDATE checkpoints SET note = replace(note, substr(note, -10, 4), 'AAAA');");
  }
  auto r = testing::MustVerify(paths_);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("checkpoint"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, FlippedBytesInTheEncryptedFileAreReportedAsDamage) {
  testing::AppendEntries(paths_, 600, 10);  // several pages, all checkpointed into the file
  auto size = std::filesystem::file_size(paths_.db);
  ASSERT_GT(size, 3u * 16384);
  {
    std::fstream f(paths_.db, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    f.put('\x5a').put('\xa5').put('\x00');
  }
  auto r = VerifyLedger(paths_, {});
  if (r.ok()) {
    EXPECT_FALSE(r->ok);
    EXPECT_NE(r->problem.find("damaged"), std::string::npos) << r->problem;
  } else {
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status().ToString();
  }
}

}  // namespace
}  // namespace oversight::ledger
