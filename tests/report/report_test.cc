// The accountability report over a real ledger whose entries look exactly like the proxy's.
#include "oversight/report/report.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "oversight/common/encoding.h"
#include "oversight/ledger/verify.h"
#include "proxy_like_ledger.h"

namespace oversight::report {
namespace {

using testing::ProxyLikeLedger;
using testing::Search;

// Nine entries: six searches decided by the Washington pack, a role refusal, a purge and a
// rule reload, at 12:00, 12:01, ... 12:08 on 2026-03-01.
void Fill(ProxyLikeLedger& l) {
  Search a;  // 0: retrospective, no warrant: allowed by Washington
  a.similarities = {97.5, 85.0};
  EXPECT_TRUE(l.AppendSearch(a));
  Search b;  // 1: retrospective under a registered warrant
  b.warrant_id = "W-2026-0042";
  b.similarities = {99.5};
  EXPECT_TRUE(l.AppendSearch(b));
  Search c;  // 2: real time from a live stream, no authority: default deny
  c.mode = "real_time";
  c.source = "live_stream";
  EXPECT_FALSE(l.AppendSearch(c));
  Search d;  // 3: protest monitoring: forbidden
  d.principal = "det-bob";
  d.agency = "Seattle PD";
  d.purpose = "protest_monitoring";
  EXPECT_FALSE(l.AppendSearch(d));
  Search e;  // 4: real time in exigent circumstances
  e.mode = "real_time";
  e.source = "cctv_still";
  e.exigency = "armed suspect fleeing toward a school";
  EXPECT_TRUE(l.AppendSearch(e));
  Search f;  // 5: real time under the warrant
  f.mode = "real_time";
  f.warrant_id = "W-2026-0042";
  f.similarities = {92.0};
  EXPECT_TRUE(l.AppendSearch(f));
  l.AppendRoleRefusal("clerk-1");                                 // 6
  l.AppendPurge("purge-never-charged", "Oversight baseline §5");  // 7
  l.AppendRulesReload(true);                                      // 8
  l.Close();
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override { Fill(ledger_); }

  Report Build(const SourceSpec& spec, ReportOptions options = {}) {
    auto provenance = VerifySource(spec);
    EXPECT_TRUE(provenance.ok()) << provenance.status().ToString();
    auto r = BuildReport(spec, *provenance, options);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Report{};
  }
  SourceSpec Dir() const { return {ledger_.dir(), "", "", ""}; }

  ProxyLikeLedger ledger_;
};

TEST_F(ReportTest, CountsSearchesByAgencyPrincipalPurposeAndSource) {
  Report r = Build(Dir());
  EXPECT_EQ(r.requests, 7u);
  EXPECT_EQ(r.searches, 7u);
  EXPECT_EQ(r.search_decisions.allowed, 4u);
  EXPECT_EQ(r.search_decisions.denied, 3u);
  EXPECT_EQ(r.by_agency["King County Sheriff"].allowed, 4u);
  EXPECT_EQ(r.by_agency["King County Sheriff"].denied, 1u);
  EXPECT_EQ(r.by_agency["Seattle PD"].denied, 1u);
  EXPECT_EQ(r.by_agency["County Records"].denied, 1u);
  EXPECT_EQ(r.by_principal["det-bob"].denied, 1u);
  EXPECT_EQ(r.by_purpose["protest_monitoring"].denied, 1u);
  EXPECT_EQ(r.by_purpose["criminal_investigation"].allowed, 4u);
  EXPECT_EQ(r.by_purpose["(none)"].denied, 1u);  // the role refusal carries no document
  EXPECT_EQ(r.by_source["live_stream"].denied, 1u);
  EXPECT_EQ(r.by_source["cctv_still"].allowed, 1u);
  EXPECT_EQ(r.by_database["(none)"].allowed, 4u);  // the Washington pack needs no database
}

TEST_F(ReportTest, CountsDecisionsByDecidingRuleWithCitations) {
  Report r = Build(Dir());
  EXPECT_EQ(r.decided_by_pack.allowed, 4u);
  EXPECT_EQ(r.decided_by_pack.denied, 2u);
  EXPECT_EQ(r.refused_by_stage["role"], 1u);
  EXPECT_EQ(r.deciding_rules["permit-retrospective-search"].count, 2u);
  EXPECT_EQ(r.deciding_rules["permit-real-time-exigent"].count, 1u);
  EXPECT_EQ(r.deciding_rules["permit-real-time-with-warrant"].count, 1u);
  EXPECT_EQ(r.deciding_rules["(no permit matched)"].count, 1u);
  const DecidingRule& forbid = r.deciding_rules["forbid-protected-activity-or-status"];
  EXPECT_EQ(forbid.count, 1u);
  EXPECT_EQ(forbid.effect, "forbid");
  EXPECT_NE(forbid.citation.find("RCW 43.386.080"), std::string::npos) << forbid.citation;
}

TEST_F(ReportTest, CountsWarrantsPerCourtWhenGivenTheRegistry) {
  auto registry = testing::LoadSampleWarrants();
  ReportOptions options;
  options.warrants = registry.get();
  Report r = Build(Dir(), options);
  EXPECT_EQ(r.searches_with_warrant, 2u);
  EXPECT_EQ(r.warrants_by_court["king-county-superior"].searches, 2u);
  EXPECT_EQ(r.warrants_by_court["king-county-superior"].warrants, 1u);
  Report without = Build(Dir());
  EXPECT_EQ(without.warrants_by_court["unknown"].searches, 2u);
}

TEST_F(ReportTest, BucketsTheSimilarityOfReturnedMatches) {
  Report r = Build(Dir());
  EXPECT_EQ(r.searches_answered, 4u);
  EXPECT_EQ(r.searches_with_matches, 3u);
  EXPECT_EQ(r.matches_returned, 4u);
  EXPECT_EQ(r.similarity, (std::array<std::uint64_t, 5>{0, 1, 1, 1, 1}));
  EXPECT_EQ(r.dropped_below_floor, 4u);
}

TEST_F(ReportTest, CountsHumanReviewNoticesOfAllowedSearches) {
  Report r = Build(Dir());
  EXPECT_EQ(r.human_review_required, 4u);
  ASSERT_FALSE(r.notices.empty());
  for (const auto& [notice, n] : r.notices) EXPECT_EQ(n, 4u) << notice;
}

TEST_F(ReportTest, CountsPurgesByRuleAndRulePackChanges) {
  Report r = Build(Dir());
  EXPECT_EQ(r.purges_by_rule["purge-never-charged"].count, 1u);
  EXPECT_EQ(r.purges_by_rule["purge-never-charged"].citation, "Oversight baseline §5");
  ASSERT_EQ(r.rule_changes.size(), 1u);
  EXPECT_EQ(r.rule_changes[0].seq, 8u);
  EXPECT_TRUE(r.rule_changes[0].accepted);
  EXPECT_EQ(r.rule_changes[0].by, "operator-1");
}

TEST_F(ReportTest, StatesTheVerifiedCheckpointItWasBuiltFrom) {
  Report r = Build(Dir());
  auto verified = ledger::VerifyLedger(ledger::LedgerPaths::InDirectory(ledger_.dir()), {});
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(r.provenance.verified);
  EXPECT_EQ(r.provenance.checkpoint_size, 9u);
  EXPECT_EQ(r.provenance.checkpoint_root, verified->root);
  const std::string md = FormatMarkdown(r);
  EXPECT_EQ(md.rfind("# Oversight accountability report", 0), 0u) << md.substr(0, 200);
  EXPECT_NE(md.find("size 9, root " + Base64Encode(verified->root)), std::string::npos);
}

TEST(ReportCheckpoint, EntriesAfterTheLatestSignedCheckpointAreVerifiedButNotCounted) {
  ProxyLikeLedger l;
  l.AppendSearch(Search{});
  l.Checkpoint();
  l.AppendSearch(Search{});
  l.Close(/*sign=*/false);
  const SourceSpec spec{l.dir(), "", "", ""};
  auto provenance = VerifySource(spec);
  ASSERT_TRUE(provenance.ok());
  auto r = BuildReport(spec, *provenance, {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->provenance.verified);
  EXPECT_EQ(r->provenance.checkpoint_size, 1u);
  EXPECT_EQ(r->searches, 1u);
  EXPECT_NE(FormatMarkdown(*r).find("Not included: 1 entries after that checkpoint"),
            std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(FormatJson(*r))["report"]["entries_after_checkpoint"], 1);
}

TEST_F(ReportTest, AnExportGivesTheSameFiguresAsItsLedger) {
  const std::string file = ledger_.Export("all.jsonl");
  Report from_export = Build({"", file, "", ledger_.vkey()});
  Report from_dir = Build(Dir());
  from_export.provenance.source = from_dir.provenance.source;
  from_export.provenance.entries_verified = from_dir.provenance.entries_verified;
  EXPECT_EQ(FormatJson(from_export), FormatJson(from_dir));
}

TEST_F(ReportTest, ThePeriodLimitsWhichEntriesAreCounted) {
  ReportOptions options;
  options.period = *ParsePeriod("2026-03-01T12:02:00Z", "2026-03-01T12:05:00Z");
  Report r = Build(Dir(), options);
  EXPECT_EQ(r.entries_in_period, 3u);  // entries 2, 3 and 4
  EXPECT_EQ(r.searches, 3u);
  EXPECT_EQ(r.search_decisions.allowed, 1u);
  EXPECT_TRUE(r.purges_by_rule.empty());
}

TEST_F(ReportTest, ATamperedLedgerFailsVerificationAndEveryFormatSaysSoFirst) {
  testing::TamperEntry(ledger_.dir(), 3, "\"det-bob\"", "\"det-bo0\"");
  auto provenance = VerifySource(Dir());
  ASSERT_TRUE(provenance.ok()) << provenance.status().ToString();
  EXPECT_FALSE(provenance->verified);
  EXPECT_EQ(provenance->bad_seq, std::optional<std::uint64_t>(3));
  auto r = BuildReport(Dir(), *provenance, {});
  ASSERT_TRUE(r.ok());
  for (const std::string& out : {FormatMarkdown(*r), FormatJson(*r), FormatCsv(*r)}) {
    const std::string first = out.substr(0, out.find('\n'));
    EXPECT_NE(first.find("UNVERIFIED"), std::string::npos) << first;
    EXPECT_NE(first.find("entry 3"), std::string::npos) << first;
  }
  EXPECT_TRUE(nlohmann::json::accept(FormatJson(*r)));
}

TEST_F(ReportTest, AnExportWithAnEditedLineFailsVerification) {
  const std::string file = ledger_.Export("edited.jsonl");
  std::stringstream text;
  text << std::ifstream(file).rdbuf();
  std::string s = text.str();
  s.replace(s.find("protest_monitoring"), 7, "Protest");
  std::ofstream(file, std::ios::trunc) << s;
  auto provenance = VerifySource({"", file, "", ledger_.vkey()});
  ASSERT_TRUE(provenance.ok());
  EXPECT_FALSE(provenance->verified);
}

TEST_F(ReportTest, TheWrongLedgerKeyIsAnErrorNotAReport) {
  ProxyLikeLedger other;
  other.AppendSearch(Search{});
  other.Close();
  std::ifstream key(other.dir() + "/ledger.key");
  std::string text((std::istreambuf_iterator<char>(key)), std::istreambuf_iterator<char>());
  std::ofstream(ledger_.dir() + "/ledger.key", std::ios::trunc) << text;
  auto provenance = VerifySource(Dir());
  EXPECT_FALSE(provenance.ok());
}

TEST_F(ReportTest, AnExportWithoutAVerifierKeyIsRefused) {
  const std::string file = ledger_.Export("nokey.jsonl");
  auto provenance = VerifySource({"", file, "", ""});
  ASSERT_FALSE(provenance.ok());
  EXPECT_EQ(provenance.status().code(), StatusCode::kInvalidArgument);
}

// RFC 4180 with quoted fields: every record has exactly the four columns.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted && c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
      rows.back().back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == ',') {
      rows.back().emplace_back();
    } else if (!quoted && c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.emplace_back(1);
      ++i;
    } else {
      rows.back().back() += c;
    }
  }
  EXPECT_FALSE(quoted);
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

TEST_F(ReportTest, CsvHasFourColumnsInEveryRowAndAHeader) {
  const auto rows = ParseCsv(FormatCsv(Build(Dir())));
  ASSERT_GT(rows.size(), 20u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"section", "name", "detail", "value"}));
  for (const auto& row : rows) EXPECT_EQ(row.size(), 4u) << row[0];
  bool found = false;
  for (const auto& row : rows) {
    found |= row[0] == "searches_by_agency" && row[1] == "Seattle PD" && row[2] == "denied" &&
             row[3] == "1";
  }
  EXPECT_TRUE(found);
}

TEST(ReportByDay, CountsSearchDecisionsPerUtcDayOldestFirst) {
  ProxyLikeLedger l;
  Search allowed;  // retrospective, no warrant: allowed by Washington
  Search forbidden;
  forbidden.purpose = "protest_monitoring";
  EXPECT_TRUE(l.AppendSearch(allowed));  // 2026-03-01
  l.SkipDays(2);
  EXPECT_TRUE(l.AppendSearch(allowed));  // 2026-03-03
  EXPECT_FALSE(l.AppendSearch(forbidden));
  l.AppendRoleRefusal("clerk-1");  // a search refused before the pack counts as denied
  l.AppendPurge("purge-never-charged", "Oversight baseline §5");  // not a search
  l.Close();
  const SourceSpec spec{l.dir(), "", "", ""};
  auto provenance = VerifySource(spec);
  ASSERT_TRUE(provenance.ok());
  auto r = BuildReport(spec, *provenance, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->by_day.size(), 2u);
  EXPECT_EQ(r->by_day["2026-03-01"].allowed, 1u);
  EXPECT_EQ(r->by_day["2026-03-01"].denied, 0u);
  EXPECT_EQ(r->by_day["2026-03-03"].allowed, 1u);
  EXPECT_EQ(r->by_day["2026-03-03"].denied, 2u);

  const auto j = nlohmann::json::parse(FormatJson(*r));
  const nlohmann::json expected = {{{"date", "2026-03-01"}, {"allowed", 1}, {"denied", 0}},
                                   {{"date", "2026-03-03"}, {"allowed", 1}, {"denied", 2}}};
  EXPECT_EQ(j["by_day"], expected);
  EXPECT_NE(FormatMarkdown(*r).find("| 2026-03-03 | 1 | 2 |"), std::string::npos);
  EXPECT_NE(FormatCsv(*r).find("searches_by_day,2026-03-03,denied,2"), std::string::npos);
}

TEST_F(ReportTest, ThePeriodLimitsTheDaysCounted) {
  ReportOptions options;
  options.period = *ParsePeriod("2026-03-02", "");
  EXPECT_TRUE(Build(Dir(), options).by_day.empty());
  EXPECT_EQ(Build(Dir()).by_day.at("2026-03-01").allowed, 4u);
}

TEST_F(ReportTest, JsonIsOneDocumentWithTheFigures) {
  const auto j = nlohmann::json::parse(FormatJson(Build(Dir())));
  EXPECT_EQ(j["report"]["checkpoint"]["size"], 9);
  EXPECT_EQ(j["report"]["verified"], true);
  EXPECT_EQ(j["searches"]["by_agency"]["Seattle PD"]["denied"], 1);
  EXPECT_EQ(j["matches"]["similarity"][">=99"], 1);
  EXPECT_EQ(j["purges_by_rule"]["purge-never-charged"]["faces"], 1);
}

}  // namespace
}  // namespace oversight::report
