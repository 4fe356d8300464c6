// The `oversight ledger` command line: exit codes (0 ok, 1 tampered, 2 usage/I-O/key error)
// and the auditor's offline path through an export.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "ledger_test_util.h"

namespace oversight::ledger {
namespace {

using testing::RunCli;

class LedgerCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.File("ledger");
    std::string out;
    ASSERT_EQ(RunCli("ledger init --dir " + dir_ + " --origin cli.test/log", &out), 0) << out;
    for (int i = 0; i < 5; ++i) {
      ASSERT_EQ(RunCli("ledger append --dir " + dir_ + " --kind test", nullptr,
                       "{\"i\":" + std::to_string(i) + "}"),
                0);
    }
  }
  testing::TempDir tmp_;
  std::string dir_;
};

TEST_F(LedgerCliTest, InitPrintsTheVerifierKeyInGoNoteFormat) {
  std::string out;
  EXPECT_EQ(RunCli("ledger init --dir " + tmp_.File("other") + " --origin a.example/x", &out), 0);
  EXPECT_NE(out.find("a.example/x+"), std::string::npos) << out;
}

TEST_F(LedgerCliTest, VerifyExitsZeroOnAnIntactLedger) {
  std::string out;
  EXPECT_EQ(RunCli("ledger verify --dir " + dir_, &out), 0) << out;
  EXPECT_NE(out.find("OK: 5 entries"), std::string::npos) << out;
}

TEST_F(LedgerCliTest, VerifyExitsOneAndNamesTheEntryWhenTampered) {
  LedgerPaths paths = LedgerPaths::InDirectory(dir_);
  {
    testing::RawLedgerDb raw(paths);
    raw.Exec("DELETE FROM entries WHERE seq = 2;");
  }
  std::string out;
  EXPECT_EQ(RunCli("ledger verify --json --dir " + dir_, &out), 1) << out;
  EXPECT_NE(out.find("\"bad_entry\": 2"), std::string::npos) << out;
}

TEST_F(LedgerCliTest, VerifyExitsTwoWhenTheKeyFileIsLoose) {
  ASSERT_EQ(::chmod((dir_ + "/ledger.key").c_str(), 0644), 0);
  std::string out;
  EXPECT_EQ(RunCli("ledger verify --dir " + dir_, &out), 2) << out;
  EXPECT_NE(out.find("chmod 600"), std::string::npos) << out;
}

TEST_F(LedgerCliTest, AppendOfMalformedJsonExitsTwoAndAppendsNothing) {
  std::string out;
  EXPECT_EQ(RunCli("ledger append --dir " + dir_, &out, "{\"a\":"), 2) << out;
  EXPECT_NE(out.find("malformed JSON"), std::string::npos) << out;
  EXPECT_EQ(RunCli("ledger verify --dir " + dir_, &out), 0);
  EXPECT_NE(out.find("OK: 5 entries"), std::string::npos) << out;
}

TEST_F(LedgerCliTest, UnknownFlagsAreUsageErrors) {
  EXPECT_EQ(RunCli("ledger verify --no-such-flag"), 2);
  EXPECT_EQ(RunCli("ledger"), 2);
  EXPECT_EQ(RunCli("ledger verify --help"), 0);
}

TEST_F(LedgerCliTest, ExportVerifiesWithTheVerifierKeyAloneAndCatchesAnEditedLine) {
  std::string exp = tmp_.File("export.jsonl"), out;
  ASSERT_EQ(RunCli("ledger export --dir " + dir_ + " --out " + exp, &out), 0) << out;
  std::string vkey = dir_ + "/ledger.vkey";
  EXPECT_EQ(RunCli("ledger verify-export " + exp + " --vkey " + vkey, &out), 0) << out;
  ASSERT_EQ(std::system(("sed -i 's/\"i\":3/\"i\":4/' " + exp).c_str()), 0);
  EXPECT_EQ(RunCli("ledger verify-export " + exp + " --vkey " + vkey, &out), 1) << out;
  EXPECT_NE(out.find("entry 4"), std::string::npos) << out;
}

TEST_F(LedgerCliTest, VerifyExportRejectsACheckpointFromAnotherKey) {
  std::string exp = tmp_.File("export.jsonl"), out;
  ASSERT_EQ(RunCli("ledger export --dir " + dir_ + " --out " + exp, &out), 0) << out;
  ASSERT_EQ(RunCli("ledger init --dir " + tmp_.File("other") + " --origin cli.test/log"), 0);
  EXPECT_EQ(
      RunCli("ledger verify-export " + exp + " --vkey " + tmp_.File("other/ledger.vkey"), &out), 2)
      << out;
}

TEST_F(LedgerCliTest, ProveWritesATlogProofThatVerifiesOfflineAndFailsForAnotherIndex) {
  std::string out;
  ASSERT_EQ(RunCli("ledger checkpoint --sign --dir " + dir_, &out), 0) << out;
  ASSERT_EQ(RunCli("ledger prove --index 3 --dir " + dir_, &out), 0) << out;
  EXPECT_EQ(out.rfind("c2sp.org/tlog-proof@v1\nextra ", 0), 0u) << out;
  EXPECT_NE(out.find("\nindex 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("cli.test/log\n5\n"), std::string::npos) << out;
  std::string proof = tmp_.File("e3.tlog-proof"), vkey = dir_ + "/ledger.vkey";
  ASSERT_EQ(RunCli("ledger prove --index 3 --dir " + dir_ + " > " + proof), 0);
  EXPECT_EQ(RunCli("ledger verify-proof " + proof + " --vkey " + vkey, &out), 0) << out;
  EXPECT_NE(out.find("\"i\":3"), std::string::npos) << out;
  ASSERT_EQ(std::system(("sed -i 's/^index 3$/index 2/' " + proof).c_str()), 0);
  EXPECT_EQ(RunCli("ledger verify-proof " + proof + " --vkey " + vkey, &out), 1) << out;
}

TEST_F(LedgerCliTest, ProveWithoutASignedCheckpointAsksForOne) {
  std::string out;
  EXPECT_EQ(RunCli("ledger prove --index 1 --dir " + dir_, &out), 2) << out;
  EXPECT_NE(out.find("checkpoint --sign"), std::string::npos) << out;
  EXPECT_EQ(RunCli("ledger prove --json --index 1 --dir " + dir_, &out), 0) << out;
}

}  // namespace
}  // namespace oversight::ledger
