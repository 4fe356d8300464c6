// What happens over time: records and their status, exclusion then purge (and a purge
// interrupted by a crash), case sessions, rule reloads, the tracking history across a restart,
// and the auditor's ledger API.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "gateway_fixture.h"
#include "oversight/common/encoding.h"
#include "oversight/common/hash.h"
#include "oversight/ledger/merkle.h"

namespace oversight::proxy::testing {
namespace {

const Json kProbe = {{"CollectionId", "booking"},
                     {"Image", {{"Bytes", Base64Encode(AsBytes("probe-image-bytes"))}}}};

class LifecycleTest : public GatewayTest {
 protected:
  // IndexFaces through the proxy; the scripted matcher assigns `face_id`.
  void IndexThroughProxy(const std::string& face_id, const std::string& status) {
    upstream_.respond = [face_id](const std::string& op, const Json&) {
      if (op == "IndexFaces") {
        return UpstreamReply{200,
                             Json{{"FaceRecords", {{{"Face", {{"FaceId", face_id}}}}}}}.dump()};
      }
      return UpstreamReply{200, Json{{"DeletedFaces", Json::array()}}.dump()};
    };
    Response r = Send(Rekognition("IndexFaces", kProbe,
                                  {{"X-Oversight-Record-Subject", "Subject " + face_id},
                                   {"X-Oversight-Record-Charge-Status", status}}),
                      kRecordsAdmin);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  void SearchReturning(const std::vector<std::string>& ids) {
    upstream_.respond = [ids](const std::string&, const Json&) {
      Json matches = Json::array();
      for (const auto& id : ids)
        matches.push_back({{"Similarity", 99.9}, {"Face", {{"FaceId", id}}}});
      return UpstreamReply{200, Json{{"FaceMatches", matches}}.dump()};
    };
  }
  std::vector<std::string> ReturnedIds(const Response& r) {
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    const Json body = Body(r);  // named: a temporary would die before the loop runs
    for (const auto& m : body["FaceMatches"]) out.push_back(m["Face"]["FaceId"]);
    return out;
  }
};

TEST_F(LifecycleTest, IndexFacesCreatesARecordFromTheRecordHeaders) {
  IndexThroughProxy("face-1", "arrested");
  auto rec = records_->Get("face-1");
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->subject, "Subject face-1");
  EXPECT_EQ(rec->charge_status, "arrested");
  EXPECT_EQ(rec->collection, "booking");
  Json entry = LastEntry();
  EXPECT_EQ(entry["outcome"]["face_ids"][0], "face-1");
  EXPECT_EQ(entry["decision"]["permitting"][0], "permit-record-maintenance");
}

TEST_F(LifecycleTest, NotChargedRecordIsExcludedAtOnceThenPurgedWithOneEntryPerFace) {
  IndexThroughProxy("face-1", "arrested");
  IndexThroughProxy("face-2", "charged");
  SearchReturning({"face-1", "face-2"});
  EXPECT_EQ(ReturnedIds(
                Send(Rekognition("SearchFacesByImage", kProbe, WarrantedContext()), kInvestigator)),
            (std::vector<std::string>{"face-1", "face-2"}));

  Response update =
      Send(Api("POST", "/oversight/v1/records/face-1/status",
               {{"charge_status", "not_charged"}, {"reason", "released without charge"}}),
           kRecordsAdmin);
  ASSERT_EQ(update.status, 200) << update.body;
  Json status_entry = LastEntry();
  EXPECT_EQ(status_entry["record"]["charge_status"], "not_charged");
  EXPECT_EQ(status_entry["decision"]["permitting"][0], "permit-record-maintenance");
  EXPECT_EQ(Body(update)["History"].size(), 2u);

  // Excluded before any purge runs.
  SearchReturning({"face-1", "face-2"});
  EXPECT_EQ(ReturnedIds(
                Send(Rekognition("SearchFacesByImage", kProbe, WarrantedContext()), kInvestigator)),
            (std::vector<std::string>{"face-2"}));

  upstream_.respond = [](const std::string&, const Json& body) {
    return UpstreamReply{200, Json{{"DeletedFaces", body["FaceIds"]}}.dump()};
  };
  const std::size_t deletes_before = upstream_.CallCount("DeleteFaces");
  PurgeReport report = gateway_->Purge("scheduler");
  EXPECT_EQ(report.purged, 1u);
  EXPECT_EQ(report.failed, 0u);
  EXPECT_EQ(upstream_.CallCount("DeleteFaces"), deletes_before + 1);
  EXPECT_FALSE(records_->StatusOf("face-1").has_value());
  EXPECT_TRUE(records_->StatusOf("face-2").has_value());
  std::string kind;
  Json purge = LastEntry(&kind);
  EXPECT_EQ(kind, "purge");
  EXPECT_EQ(purge["rule"], "purge-never-charged");
  EXPECT_EQ(purge["face_id_sha256"], HexEncode(Sha256(std::string_view("face-1"))));
  EXPECT_EQ(purge.dump().find("\"face-1\""), std::string::npos)
      << "the entry holds a hash, not the id";

  // Idempotent: nothing left to purge.
  EXPECT_EQ(gateway_->Purge("scheduler").purged, 0u);
}

TEST_F(LifecycleTest, PurgeInterruptedByACrashIsFinishedAfterRestart) {
  IndexThroughProxy("face-1", "dismissed");
  // The crash: the record was marked, but the process died before DeleteFaces.
  ASSERT_TRUE(records_->MarkPurging("face-1", "purge-never-charged").ok());
  Rebuild();
  ASSERT_EQ(records_->PendingPurges().size(), 1u);
  upstream_.respond = [](const std::string&, const Json& body) {
    return UpstreamReply{200, Json{{"DeletedFaces", body["FaceIds"]}}.dump()};
  };
  PurgeReport report = gateway_->Purge("scheduler");
  EXPECT_EQ(report.resumed, 1u);
  EXPECT_EQ(report.purged, 0u);
  EXPECT_FALSE(records_->StatusOf("face-1").has_value());
  EXPECT_TRUE(LastEntry()["resumed"].get<bool>());
}

TEST_F(LifecycleTest, PurgeWithTheMatcherDownKeepsTheRecordForNextTime) {
  IndexThroughProxy("face-1", "acquitted");
  upstream_.down = true;
  PurgeReport report = gateway_->Purge("scheduler");
  EXPECT_EQ(report.failed, 1u);
  EXPECT_TRUE(records_->StatusOf("face-1").has_value());
  upstream_.down = false;
  upstream_.respond = [](const std::string&, const Json& body) {
    return UpstreamReply{200, Json{{"DeletedFaces", body["FaceIds"]}}.dump()};
  };
  EXPECT_EQ(gateway_->Purge("scheduler").resumed, 1u);
  EXPECT_FALSE(records_->StatusOf("face-1").has_value());
}

TEST_F(LifecycleTest, SessionCredentialsCarryTheBoundContextAndCannotChangeIt) {
  Json context;
  for (const auto& [name, value] : WarrantedContext()) {
    std::string field = name.substr(std::string("X-Oversight-").size());
    for (char& c : field) c = c == '-' ? '_' : static_cast<char>(std::tolower(c));
    context[field] = value;
  }
  Response started =
      Send(Api("POST", "/oversight/v1/sessions", {{"context", context}}), kInvestigator);
  ASSERT_EQ(started.status, 200) << started.body;
  const Json creds = Body(started)["Credentials"];
  const std::string akid = creds["AccessKeyId"];
  EXPECT_EQ(akid.rfind("ASIA", 0), 0u);
  EXPECT_EQ(LastEntry().dump().find(creds["SecretAccessKey"].get<std::string>()),
            std::string::npos);
  EXPECT_EQ(LastEntry().dump().find(creds["SessionToken"].get<std::string>()), std::string::npos);

  const std::string secret = creds["SecretAccessKey"];
  const std::string token = creds["SessionToken"];
  const Key session_key{akid.c_str(), secret.c_str()};
  SearchReturning({});
  Response search = Send(Rekognition("SearchFacesByImage", kProbe), session_key, token);
  EXPECT_EQ(search.status, 200) << search.body;
  Json entry = LastEntry();
  EXPECT_EQ(entry["principal"]["id"], "det.jones");
  EXPECT_EQ(entry["principal"]["session"], akid);
  EXPECT_EQ(entry["document"]["context"]["warrant_id"], "W-2026-0042");

  Response changed =
      Send(Rekognition("SearchFacesByImage", kProbe, {{"X-Oversight-Warrant-Id", "W-2026-0100"}}),
           session_key, token);
  EXPECT_EQ(Body(changed)["__type"], "InvalidParameterException");
  EXPECT_NE(changed.body.find("bound by the session"), std::string::npos);

  Response wrong_token =
      Send(Rekognition("SearchFacesByImage", kProbe), session_key, "not-the-token");
  EXPECT_EQ(Body(wrong_token)["__type"], "UnrecognizedClientException");

  clock_.Advance(std::chrono::hours(2));
  Response expired = Send(Rekognition("SearchFacesByImage", kProbe), session_key, token);
  EXPECT_EQ(Body(expired)["__type"], "ExpiredTokenException");
}

TEST_F(LifecycleTest, SessionWithABadContextValueIsRefused) {
  Response r =
      Send(Api("POST", "/oversight/v1/sessions", {{"context", {{"purpose", "curiosity"}}}}),
           kInvestigator);
  EXPECT_EQ(Body(r)["__type"], "InvalidParameterException");
  EXPECT_NE(r.body.find("criminal_investigation"), std::string::npos) << "lists the valid values";
}

TEST_F(LifecycleTest, BadRulePackIsRefusedTheOldStaysAndBothAttemptsAreLogged) {
  const std::string old_sha =
      Body(Send(Api("GET", "/oversight/v1/rules"), kPolicyAnalyst))["Sha256"];
  std::ofstream(pack_path_) << "{\"format\": 1, \"name\": \"broken\", \"rules\": [{\"id\": 7}]}";
  Response refused = Send(Api("POST", "/oversight/v1/rules/reload", Json::object()), kOperator);
  EXPECT_EQ(Body(refused)["__type"], "InvalidParameterException");
  EXPECT_EQ(Body(Send(Api("GET", "/oversight/v1/rules"), kPolicyAnalyst))["Sha256"], old_sha);

  std::filesystem::copy_file(OVERSIGHT_RULES_DIR "/wa-rcw-43-386.json", pack_path_,
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_TRUE(gateway_->ReloadRules("ops.root").ok());
  std::string kind;
  Json entry = LastEntry(&kind);
  EXPECT_EQ(kind, "rules");
  EXPECT_TRUE(entry["accepted"].get<bool>());
  EXPECT_EQ(entry["old_sha256"], old_sha);
  EXPECT_NE(Body(Send(Api("GET", "/oversight/v1/rules"), kPolicyAnalyst))["Sha256"], old_sha);
}

TEST_F(LifecycleTest, TrackingPatternIsForbiddenAndSurvivesARestart) {
  IndexThroughProxy("face-1", "charged");
  SearchReturning({"face-1"});
  for (const char* camera : {"cam-1", "cam-2", "cam-3"}) {
    auto context = WarrantedContext();
    context.back() = {"X-Oversight-Camera-Id", camera};
    ASSERT_EQ(Send(Rekognition("SearchFacesByImage", kProbe, context), kInvestigator).status, 200);
  }
  Rebuild();  // the history index is rebuilt from the ledger
  Response r = Send(Rekognition("SearchFacesByImage", kProbe, WarrantedContext()), kInvestigator);
  EXPECT_EQ(Body(r)["__type"], "AccessDeniedException");
  EXPECT_EQ(LastEntry()["decision"]["forbidding"][0], "forbid-tracking-pattern");
}

TEST_F(LifecycleTest, AuditorReadsEntriesAndProofsThatVerify) {
  SearchReturning({});
  for (int i = 0; i < 3; ++i)
    Send(Rekognition("SearchFacesByImage", kProbe, WarrantedContext()), kInvestigator);
  ASSERT_TRUE(ledger_->Checkpoint().ok());
  Json cp = Body(Send(Api("GET", "/oversight/v1/ledger/checkpoint"), kAuditor));
  ASSERT_TRUE(cp.contains("Note")) << cp.dump();
  const std::uint64_t size = cp["Size"];
  Json page = Body(Send(Api("GET", "/oversight/v1/ledger/entries", {}, "from=1&to=2"), kAuditor));
  ASSERT_EQ(page["Entries"].size(), 1u);
  const std::string entry_bytes = page["Entries"][0];
  Json proof = Body(
      Send(Api("GET", "/oversight/v1/ledger/inclusion", {}, "index=1&size=" + std::to_string(size)),
           kAuditor));
  std::vector<Hash256> hashes;
  for (const auto& h : proof["Hashes"]) {
    auto bytes = Base64Decode(h.get<std::string>());
    ASSERT_TRUE(bytes.ok());
    Hash256 hash{};
    std::copy(bytes->begin(), bytes->end(), hash.begin());
    hashes.push_back(hash);
  }
  auto root = Base64Decode(proof["Root"].get<std::string>());
  ASSERT_TRUE(root.ok());
  Hash256 root_hash{};
  std::copy(root->begin(), root->end(), root_hash.begin());
  EXPECT_EQ(root_hash, ledger_->LatestCheckpoint()->root);
  const Hash256 leaf = ledger::LeafHash(AsBytes(entry_bytes));
  EXPECT_TRUE(ledger::VerifyInclusion(1, size, leaf, hashes, root_hash).ok());
}

TEST_F(LifecycleTest, HealthzIsOpenAndMetricsAreForOperators) {
  Request health;
  health.method = "GET";
  health.path = "/healthz";
  EXPECT_EQ(gateway_->Handle(health).status, 200);
  Send(Rekognition("ListCollections", {}), kInvestigator);
  Response metrics = Send(Api("GET", "/metrics"), kOperator);
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("oversight_requests_total"), std::string::npos);
  EXPECT_NE(metrics.body.find("oversight_request_duration_seconds_bucket"), std::string::npos);
}

}  // namespace
}  // namespace oversight::proxy::testing
