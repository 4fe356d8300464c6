// `oversight report` and `oversight rules replay` end to end: exit codes and first lines.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "proxy_like_ledger.h"

namespace oversight::report {
namespace {

using testing::ProxyLikeLedger;
using testing::Search;

// Runs the CLI (stderr merged into the output); returns its exit status.
int RunCli(const std::string& args, std::string* output) {
  FILE* p = ::popen((std::string(OVERSIGHT_CLI_PATH) + " " + args + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  std::array<char, 4096> buf{};
  std::string out;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(p);
  *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

class ReportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Search a;
    a.similarities = {97.5};
    ledger_.AppendSearch(a);
    Search e;
    e.mode = "real_time";
    e.exigency = "armed suspect fleeing toward a school";
    ledger_.AppendSearch(e);
    ledger_.Close();
  }
  std::string Dir() const { return "--dir " + ledger_.dir(); }
  ProxyLikeLedger ledger_;
};

TEST_F(ReportCliTest, ReportsAVerifiedLedgerInEachFormat) {
  std::string out;
  ASSERT_EQ(RunCli("report " + Dir(), &out), 0) << out;
  EXPECT_EQ(FirstLine(out), "# Oversight accountability report");
  ASSERT_EQ(RunCli("report --format json " + Dir(), &out), 0) << out;
  EXPECT_TRUE(nlohmann::json::accept(out)) << out;
  ASSERT_EQ(RunCli("report --format csv " + Dir(), &out), 0) << out;
  EXPECT_EQ(FirstLine(out), "section,name,detail,value\r");
}

TEST_F(ReportCliTest, RefusesATamperedLedgerWithExitOneUnlessAllowed) {
  testing::TamperEntry(ledger_.dir(), 1, "\"exigency\"", "\"exigencY\"");
  std::string out;
  EXPECT_EQ(RunCli("report " + Dir(), &out), 1) << out;
  EXPECT_NE(out.find("refusing"), std::string::npos) << out;
  EXPECT_NE(out.find("--allow-unverified"), std::string::npos) << out;
  ASSERT_EQ(RunCli("report --allow-unverified " + Dir(), &out), 0) << out;
  EXPECT_EQ(FirstLine(out).rfind("**UNVERIFIED", 0), 0u) << out;
  ASSERT_EQ(RunCli("rules replay --pack " OVERSIGHT_RULES_DIR "/baseline.json " + Dir(), &out), 1);
}

TEST_F(ReportCliTest, BadInputExitsTwoWithAClearMessage) {
  std::string out;
  EXPECT_EQ(RunCli("report --from 2026-02-30x " + Dir(), &out), 2);
  EXPECT_NE(out.find("--from"), std::string::npos) << out;
  EXPECT_EQ(RunCli("report --export /nonexistent.jsonl --vkey " + ledger_.vkey(), &out), 2);
  EXPECT_NE(out.find("/nonexistent.jsonl"), std::string::npos) << out;
  EXPECT_EQ(RunCli("report --export /nonexistent.jsonl", &out), 2);
  EXPECT_EQ(RunCli("report", &out), 2);
  EXPECT_EQ(RunCli("report --format pdf " + Dir(), &out), 2);
}

TEST_F(ReportCliTest, AnExportWithAnotherLedgersVerifierKeyExitsTwo) {
  const std::string file = ledger_.Export("e.jsonl");
  ProxyLikeLedger other;
  other.AppendSearch(Search{});
  other.Close();
  std::string out;
  EXPECT_EQ(RunCli("report --export " + file + " --vkey " + other.vkey(), &out), 2) << out;
  EXPECT_EQ(RunCli("report --export " + file + " --vkey " + ledger_.vkey(), &out), 0) << out;
}

TEST_F(ReportCliTest, ReplayPrintsChangeCountsAsJson) {
  const std::string file = ledger_.Export("r.jsonl");
  std::string out;
  ASSERT_EQ(RunCli("rules replay --json --pack " OVERSIGHT_RULES_DIR "/baseline.json --export " +
                       file + " --vkey " + ledger_.vkey() +
                       " --warrants " OVERSIGHT_RULES_DIR "/warrants.sample.json",
                   &out),
            0)
      << out;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["replayed"], 2);
  EXPECT_EQ(j["allow_deny"], 2);
  EXPECT_EQ(j["by_rule"]["forbid-real-time"]["examples"], nlohmann::json::array({1}));
  EXPECT_EQ(j["verified"], true);
}

}  // namespace
}  // namespace oversight::report
