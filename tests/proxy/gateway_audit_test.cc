// The auditor's console calls through Gateway::Handle: ledger rows (summary, filters, paging,
// bounds) and the report over the proxy's own ledger (by day, verification per checkpoint).
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <thread>

#include "gateway_fixture.h"
#include "oversight/common/encoding.h"

namespace oversight::proxy::testing {
namespace {

const Json kProbe = {{"CollectionId", "booking"},
                     {"Image", {{"Bytes", Base64Encode(AsBytes("probe-image-bytes"))}}}};

class AuditConsoleTest : public GatewayTest {
 protected:
  // Seq 0: a warranted search (allowed); seq 1: a search with no warrant (denied by the pack).
  void TwoSearches() {
    upstream_.respond = [](const std::string&, const Json&) {
      return UpstreamReply{200, R"({"FaceMatches": []})"};
    };
    ASSERT_EQ(
        Send(Rekognition("SearchFacesByImage", kProbe, WarrantedContext()), kInvestigator).status,
        200);
    ASSERT_EQ(Send(Rekognition("SearchFacesByImage", kProbe,
                               {{"X-Oversight-Purpose", "criminal_investigation"}}),
                   kInvestigator)
                  .status,
              400);
  }

  Json Rows(const std::string& query, int* status = nullptr) {
    Response r = Send(Api("GET", "/oversight/v1/ledger/rows", Json(), query), kAuditor);
    if (status) *status = r.status;
    return Body(r);
  }

  Json Report(const std::string& query, int* status = nullptr) {
    Response r = Send(Api("GET", "/oversight/v1/report", Json(), query), kAuditor);
    if (status) *status = r.status;
    return Body(r);
  }

  void SignCheckpoint() {
    ASSERT_EQ(Send(Api("POST", "/oversight/v1/ledger/checkpoint"), kAuditor).status, 200);
  }

  // An entry shaped like the proxy's, appended directly (many of them quickly).
  void AppendRequests(int n) {
    for (int i = 0; i < n; ++i) {
      const Json payload = {{"operation", "SearchFaces"},
                            {"principal", {{"id", "det." + std::to_string(i)}}},
                            {"decision", {{"allow", i % 2 == 0}, {"stage", "policy"}}}};
      ASSERT_TRUE(ledger_->Append("request", payload.dump()).ok());
    }
  }
};

TEST_F(AuditConsoleTest, RowsAreNewestFirstAndSummariseEachDecision) {
  TwoSearches();
  const Json body = Rows("");
  EXPECT_EQ(body["Size"], 2);
  EXPECT_TRUE(body["Next"].is_null());
  ASSERT_EQ(body["Rows"].size(), 2u);
  const Json& denied = body["Rows"][0];
  const Json& allowed = body["Rows"][1];
  EXPECT_EQ(denied["Seq"], 1);
  EXPECT_EQ(denied["Decision"], "deny");
  EXPECT_EQ(denied["Stage"], "policy");
  EXPECT_EQ(denied["Warrant"], "");
  EXPECT_EQ(allowed["Seq"], 0);
  EXPECT_EQ(allowed["Kind"], "request");
  EXPECT_EQ(allowed["Operation"], "SearchFacesByImage");
  EXPECT_EQ(allowed["Principal"], "det.jones");
  EXPECT_EQ(allowed["Agency"], "Metro PD");
  EXPECT_EQ(allowed["Purpose"], "criminal_investigation");
  EXPECT_EQ(allowed["Decision"], "allow");
  EXPECT_EQ(allowed["Warrant"], "W-2026-0042");
  EXPECT_EQ(allowed["Rules"], Json::array({"permit-warranted-investigation"}));
  EXPECT_EQ(allowed["Time"], "2026-03-01T12:00:00.000Z");
  // The auditor's read is itself an entry.
  EXPECT_EQ(LastEntry()["operation"], "ledger.read");
  EXPECT_EQ(LastEntry()["ledger_read"], "rows");
}

TEST_F(AuditConsoleTest, RowsFilterByDecisionAndByCaseInsensitiveText) {
  TwoSearches();
  Json denied = Rows("decision=deny");
  ASSERT_EQ(denied["Rows"].size(), 1u);
  EXPECT_EQ(denied["Rows"][0]["Seq"], 1);

  Json warrant = Rows("q=w-2026-0042");
  ASSERT_EQ(warrant["Rows"].size(), 1u);
  EXPECT_EQ(warrant["Rows"][0]["Seq"], 0);

  // Percent-encoded and in another case; the auditor's own reads (County Auditor) do not match.
  Json agency = Rows("q=METRO%20pd&limit=10");
  EXPECT_EQ(agency["Rows"].size(), 2u);
  Json both = Rows("q=metro+pd&decision=allow");
  ASSERT_EQ(both["Rows"].size(), 1u);
  EXPECT_EQ(both["Rows"][0]["Seq"], 0);

  Json rule = Rows("q=PERMIT-WARRANTED");
  ASSERT_EQ(rule["Rows"].size(), 1u);
  EXPECT_TRUE(Rows("q=nobody-at-all")["Rows"].empty());
}

TEST_F(AuditConsoleTest, RowsPageBackwardsWithNextUntilTheStart) {
  AppendRequests(25);
  std::vector<std::uint64_t> seen;
  std::string query = "limit=10";
  for (int page = 0; page < 10; ++page) {
    const Json body = Rows(query);
    for (const Json& row : body["Rows"]) seen.push_back(row["Seq"]);
    if (body["Next"].is_null()) break;
    query = "limit=10&before=" + std::to_string(body["Next"].get<std::uint64_t>());
  }
  // Each page begins at the entry before the previous page's last one, so nothing is skipped
  // or repeated; the auditor's own reads, appended meanwhile, lie above the first page.
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_EQ(seen.front(), 24u);
  for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_EQ(seen[i], seen[i - 1] - 1);

  const Json filtered = Rows("decision=deny&limit=5&before=25");
  ASSERT_EQ(filtered["Rows"].size(), 5u);
  EXPECT_EQ(filtered["Rows"][0]["Seq"], 23);
  EXPECT_EQ(filtered["Next"], 15);
}

TEST_F(AuditConsoleTest, RowsReadAtMostTwentyThousandEntriesPerCall) {
  // Appended from several threads, so the ledger commits them in large groups.
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) writers.emplace_back([this] { AppendRequests(2'502); });
  for (std::thread& w : writers) w.join();
  ASSERT_EQ(EntryCount(), 20'016u);
  // Nothing matches: the first call stops after 20,000 entries and says where to go on.
  const Json first = Rows("q=nobody-at-all");
  EXPECT_TRUE(first["Rows"].empty());
  ASSERT_EQ(first["Next"], 16);
  const Json rest = Rows("q=nobody-at-all&before=16");
  EXPECT_TRUE(rest["Rows"].empty());
  EXPECT_TRUE(rest["Next"].is_null());
}

TEST_F(AuditConsoleTest, RowsRefuseBadBoundsAndEachRefusalIsAnEntry) {
  AppendRequests(3);
  const std::vector<std::string> bad = {"limit=0",
                                        "limit=501",
                                        "limit=ten",
                                        "before=-1",
                                        "decision=maybe",
                                        "q=%zz",
                                        "q=" + std::string(300, 'a')};
  for (const std::string& query : bad) {
    const std::uint64_t before = EntryCount();
    int status = 0;
    const Json body = Rows(query, &status);
    EXPECT_EQ(status, 400) << query;
    EXPECT_EQ(body["__type"], "InvalidParameterException") << query;
    EXPECT_EQ(EntryCount(), before + 1) << query;
    EXPECT_EQ(LastEntry()["outcome"]["error"]["type"], "InvalidParameterException") << query;
  }
  int status = 0;
  EXPECT_EQ(Rows("limit=500", &status)["Rows"].size(), 3u + 7u);
  EXPECT_EQ(status, 200);
}

TEST_F(AuditConsoleTest, ReportCountsTheProxysOwnLedgerWithSearchesByDay) {
  TwoSearches();
  SignCheckpoint();
  int status = 0;
  const Json body = Report("from=2026-03-01&to=2026-03-01", &status);
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_TRUE(body["report"]["verified"].get<bool>());
  EXPECT_EQ(body["report"]["checkpoint"]["size"], 2);
  EXPECT_EQ(body["searches"]["total"], 2);
  const Json expected = {{{"date", "2026-03-01"}, {"allowed", 1}, {"denied", 1}}};
  EXPECT_EQ(body["by_day"], expected);
  EXPECT_TRUE(body.contains("OversightReceipt"));
  EXPECT_EQ(LastEntry()["operation"], "report.read");
  EXPECT_EQ(LastEntry()["report"]["checkpoint_size"], 2);

  EXPECT_TRUE(Report("from=2026-03-02")["by_day"].empty());
}

TEST_F(AuditConsoleTest, ReportVerifiesTheLedgerOncePerCheckpoint) {
  TwoSearches();
  SignCheckpoint();
  int status = 0;
  Report("", &status);
  ASSERT_EQ(status, 200);
  // Without the verifier key, verification is impossible: the same checkpoint is still
  // reported (its verification is remembered), a new one is not.
  const std::string vkey = dir_.File("ledger/ledger.vkey");
  std::filesystem::rename(vkey, vkey + ".away");
  Report("", &status);
  EXPECT_EQ(status, 200);
  SignCheckpoint();
  const Json refused = Report("", &status);
  EXPECT_NE(status, 200) << refused.dump();
  std::filesystem::rename(vkey + ".away", vkey);
  EXPECT_TRUE(Report("", &status)["report"]["verified"].get<bool>());
  EXPECT_EQ(status, 200);
}

TEST_F(AuditConsoleTest, ReportNeedsASignedCheckpointAndAValidPeriod) {
  int status = 0;
  EXPECT_EQ(Report("", &status)["__type"], "ResourceNotFoundException");
  TwoSearches();
  SignCheckpoint();
  EXPECT_EQ(Report("from=2026-13-01", &status)["__type"], "InvalidParameterException");
  EXPECT_EQ(Report("from=2026-03-02&to=2026-03-01", &status)["__type"],
            "InvalidParameterException");
}

TEST_F(AuditConsoleTest, ReportAndRowsAreForAuditorsOnly) {
  for (const Key& key : {kInvestigator, kPolicyAnalyst, kOperator, kRecordsAdmin}) {
    EXPECT_EQ(Body(Send(Api("GET", "/oversight/v1/report"), key))["__type"],
              "AccessDeniedException");
    EXPECT_EQ(Body(Send(Api("GET", "/oversight/v1/ledger/rows"), key))["__type"],
              "AccessDeniedException");
  }
}

}  // namespace
}  // namespace oversight::proxy::testing
