// The request path end to end through Gateway::Handle: decisions, obligations, receipts, fail
// closed, records, purge, sessions, reload and history, against a real ledger.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <optional>

#include "gateway_fixture.h"
#include "oversight/common/encoding.h"
#include "oversight/proxy/aws_error.h"

namespace oversight::proxy::testing {
namespace {

const Json kProbe = {{"CollectionId", "booking"},
                     {"Image", {{"Bytes", Base64Encode(AsBytes("probe-image-bytes"))}}}};

Json Match(const std::string& id, double similarity) {
  return {{"Similarity", similarity}, {"Face", {{"FaceId", id}, {"Confidence", 99.9}}}};
}

UpstreamReply SearchReply(const Json& matches) {
  return {200, Json{{"FaceMatches", matches}, {"FaceModelVersion", "face-api-1.7.15"}}.dump()};
}

class RequestPathTest : public GatewayTest {
 protected:
  void Enroll(const std::string& face_id, const std::string& status,
              const std::string& subject = "") {
    Record r;
    r.face_id = face_id;
    r.collection = "booking";
    r.subject = subject.empty() ? "subject-" + face_id : subject;
    r.charge_status = status;
    ASSERT_TRUE(records_->Create(r, "test").ok());
  }
};

TEST_F(RequestPathTest, WarrantedSearchIsForwardedUnderObligationsAndFiltered) {
  Enroll("face-a", "charged");
  Enroll("face-b", "not_charged");
  Enroll("face-d", "convicted");
  upstream_.respond = [](const std::string&, const Json&) {
    return SearchReply({Match("face-a", 99.9), Match("face-b", 99.8), Match("face-c", 98.0),
                        Match("face-d", 99.5)});
  };
  Json probe = kProbe;
  probe["FaceMatchThreshold"] = 70;
  probe["MaxFaces"] = 50;
  Response r = Send(Rekognition("SearchFacesByImage", probe, WarrantedContext()), kInvestigator);
  ASSERT_EQ(r.status, 200) << r.body;

  // Forwarded: the threshold raised to the floor, MaxFaces capped at 5 plus one excluded record.
  const auto calls = upstream_.Calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].second["FaceMatchThreshold"], 99.0);
  EXPECT_EQ(calls[0].second["MaxFaces"], 6);

  // Answered: below-floor and not-charged matches are gone; a receipt and the notice are there.
  Json body = Body(r);
  ASSERT_EQ(body["FaceMatches"].size(), 2u);
  EXPECT_EQ(body["FaceMatches"][0]["Face"]["FaceId"], "face-a");
  EXPECT_EQ(body["FaceMatches"][1]["Face"]["FaceId"], "face-d");
  EXPECT_EQ(body["OversightReceipt"]["LedgerSeq"], EntryCount() - 1);
  EXPECT_TRUE(body["OversightReceipt"]["HumanReviewRequired"].get<bool>());
  EXPECT_NE(body["OversightReceipt"]["Notices"][0].get<std::string>().find("Investigative lead"),
            std::string::npos);
  EXPECT_EQ(Header(r, "X-Oversight-Human-Review"), "required");
  EXPECT_EQ(Header(r, "X-Oversight-Receipt").rfind("seq=", 0), 0u);

  // Logged: the decision, the full request document, the probe's hash, what was returned.
  std::string kind;
  Json entry = LastEntry(&kind);
  EXPECT_EQ(kind, "request");
  EXPECT_TRUE(entry["decision"]["allow"].get<bool>());
  EXPECT_EQ(entry["decision"]["permitting"][0], "permit-warranted-investigation");
  EXPECT_EQ(entry["document"]["context"]["warrant_id"], "W-2026-0042");
  EXPECT_EQ(entry["principal"]["id"], "det.jones");
  EXPECT_EQ(entry["images"]["Image"], HexEncode(Sha256(std::string_view("probe-image-bytes"))));
  EXPECT_EQ(entry["outcome"]["matches"].size(), 2u);
  EXPECT_EQ(entry["outcome"]["dropped"]["excluded"], 1);
  EXPECT_EQ(entry["outcome"]["dropped"]["below_floor"], 1);
  EXPECT_EQ(entry.dump().find(kProbe["Image"]["Bytes"].get<std::string>()), std::string::npos)
      << "the image itself must never be in the ledger";
}

TEST_F(RequestPathTest, SearchWithoutWarrantIsDeniedLoggedAndNeverReachesTheMatcher) {
  auto context = WarrantedContext();
  context.erase(context.begin());  // no X-Oversight-Warrant-Id
  Response r = Send(Rekognition("SearchFacesByImage", kProbe, context), kInvestigator);
  EXPECT_EQ(r.status, 400);
  Json body = Body(r);
  EXPECT_EQ(body["__type"], "AccessDeniedException");
  EXPECT_NE(body["message"].get<std::string>().find("oversight-baseline"), std::string::npos);
  EXPECT_NE(body["message"].get<std::string>().find("[ledger entry "), std::string::npos);
  EXPECT_EQ(upstream_.Calls().size(), 0u);
  Json entry = LastEntry();
  EXPECT_FALSE(entry["decision"]["allow"].get<bool>());
  EXPECT_EQ(entry["decision"]["stage"], "policy");
  EXPECT_EQ(entry["outcome"]["error"]["type"], "AccessDeniedException");
}

TEST_F(RequestPathTest, LiveVideoSourceIsDeniedNamingTheRuleAndCitation) {
  auto context = WarrantedContext();
  context.push_back({"X-Oversight-Source", "body_camera_live"});
  context.erase(context.begin() + 3);  // replace cctv_still
  Response r = Send(Rekognition("SearchFacesByImage", kProbe, context), kInvestigator);
  const std::string message = Body(r)["message"];
  EXPECT_NE(message.find("Oversight baseline §3"), std::string::npos) << message;
  EXPECT_EQ(LastEntry()["decision"]["forbidding"][0], "forbid-live-sources");
}

TEST_F(RequestPathTest, FailedLedgerAppendDiscardsTheMatchersAnswer) {
  upstream_.respond = [](const std::string&, const Json&) {
    return SearchReply({Match("face-a", 99.9)});
  };
  const std::uint64_t before = EntryCount();
  audit_->failing = true;
  Response r = Send(Rekognition("SearchFacesByImage", kProbe, WarrantedContext()), kInvestigator);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(Body(r)["__type"], "ServiceUnavailableException");
  EXPECT_EQ(r.body.find("face-a"), std::string::npos) << "no match data without a ledger entry";
  EXPECT_EQ(EntryCount(), before);
}

// The answer leaves only once the entry is durable, and no thread waits for that meanwhile:
// HandleAsync returns while the entry is still held back from the ledger.
TEST_F(RequestPathTest, TheAnswerWaitsForItsLedgerEntryWithoutHoldingTheCallersThread) {
  const std::uint64_t before = EntryCount();
  audit_->holding = true;
  Request denied = Rekognition("SearchFacesByImage", kProbe);  // no warrant
  Sign(denied, kInvestigator);
  std::optional<Response> answer;
  gateway_->HandleAsync(denied, [&answer](Response r) { answer = std::move(r); });
  EXPECT_FALSE(answer.has_value()) << "answered before its entry was written";
  EXPECT_EQ(audit_->held(), 1u);
  EXPECT_EQ(EntryCount(), before);
  std::promise<Response> released;
  gateway_->HandleAsync(denied, [&](Response r) { released.set_value(std::move(r)); });
  audit_->Release();
  Response second = released.get_future().get();
  EXPECT_EQ(second.status, 400);
  EXPECT_EQ(Header(second, "X-Oversight-Receipt").rfind("seq=", 0), 0u);
  EXPECT_EQ(EntryCount(), before + 2);
  ASSERT_TRUE(answer.has_value());  // the first was released with the second, in order
  EXPECT_NE(answer->body.find("AccessDeniedException"), std::string::npos) << answer->body;
}

TEST_F(RequestPathTest, AnEntryFailingAfterItWasQueuedIsA503) {
  upstream_.respond = [](const std::string&, const Json&) {
    return SearchReply({Match("face-a", 99.9)});
  };
  audit_->holding = true;
  Request r = Rekognition("SearchFacesByImage", kProbe, WarrantedContext());
  Sign(r, kInvestigator);
  std::promise<Response> answered;
  gateway_->HandleAsync(r, [&](Response resp) { answered.set_value(std::move(resp)); });
  audit_->failing = true;  // the disk fills while the entry waits
  audit_->Release();
  Response resp = answered.get_future().get();
  EXPECT_EQ(resp.status, 503);
  EXPECT_EQ(resp.body.find("face-a"), std::string::npos);
}

// A real failing write, not a switch: the process may not grow any file past its current size
// (RLIMIT_FSIZE), so the ledger's next commit gets EFBIG from the kernel.
TEST_F(RequestPathTest, RealDiskWriteFailureIsA503WithoutMatchesAndNoHalfEntry) {
  upstream_.respond = [](const std::string&, const Json&) {
    return SearchReply({Match("face-a", 99.9)});
  };
  ASSERT_EQ(
      Send(Rekognition("SearchFacesByImage", kProbe, WarrantedContext()), kInvestigator).status,
      200);
  const std::uint64_t acknowledged = EntryCount();
  // Commits append frames to the write-ahead log; it may not grow any more.
  const std::string wal = dir_.File("ledger/ledger.db-wal");
  ASSERT_TRUE(std::filesystem::exists(wal));
  const std::uintmax_t largest = std::filesystem::file_size(wal);
  struct rlimit old {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  signal(SIGXFSZ, SIG_IGN);  // get EFBIG instead of being killed
  struct rlimit tight = old;
  tight.rlim_cur = static_cast<rlim_t>(largest);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &tight), 0);
  Response r = Send(Rekognition("SearchFacesByImage", kProbe, WarrantedContext()), kInvestigator);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.body.find("face-a"), std::string::npos);
  // After a failed commit the ledger refuses further appends (poisoned) until reopened ...
  EXPECT_EQ(Send(Rekognition("ListCollections", {}), kInvestigator).status, 503);
  // ... and reopened, it holds exactly the acknowledged entries and still verifies its tail.
  Rebuild();
  EXPECT_EQ(EntryCount(), acknowledged);
}

TEST_F(RequestPathTest, FailedLedgerAppendUndoesAnEnrolment) {
  upstream_.respond = [](const std::string& op, const Json&) {
    if (op == "IndexFaces") {
      return UpstreamReply{200, R"({"FaceRecords":[{"Face":{"FaceId":"new-face"}}]})"};
    }
    return UpstreamReply{200, R"({"DeletedFaces":["new-face"]})"};
  };
  audit_->failing = true;
  Response r = Send(Rekognition("IndexFaces", kProbe), kRecordsAdmin);
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(upstream_.CallCount("DeleteFaces"), 1u);
  EXPECT_FALSE(records_->StatusOf("new-face").has_value());
}

TEST_F(RequestPathTest, UnavailableMatcherIsLoggedAndAnswered503) {
  upstream_.down = true;
  Response r = Send(Rekognition("SearchFacesByImage", kProbe, WarrantedContext()), kInvestigator);
  EXPECT_EQ(r.status, 503);
  Json entry = LastEntry();
  EXPECT_NE(entry["outcome"]["upstream_error"].get<std::string>().find("connection refused"),
            std::string::npos);
}

TEST_F(RequestPathTest, MatcherErrorsPassThroughAndAreLogged) {
  upstream_.respond = [](const std::string&, const Json&) {
    return UpstreamReply{400,
                         R"({"__type":"ResourceNotFoundException","message":"no collection"})"};
  };
  Response r = Send(Rekognition("SearchFacesByImage", kProbe, WarrantedContext()), kInvestigator);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Body(r)["__type"], "ResourceNotFoundException");
  EXPECT_EQ(LastEntry()["outcome"]["error"]["type"], "ResourceNotFoundException");
  EXPECT_FALSE(Header(r, "X-Oversight-Receipt").empty());
}

TEST_F(RequestPathTest, BadInputIsRefusedClearlyAndLogged) {
  struct Case {
    std::string name;
    Request request;
    std::string type;
  };
  Request bad_json = Rekognition("SearchFacesByImage", {}, WarrantedContext());
  bad_json.body = "{\"CollectionId\": ";
  Request deep = Rekognition("SearchFacesByImage", {}, WarrantedContext());
  deep.body = std::string(100000, '[');
  Json bad_b64 = kProbe;
  bad_b64["Image"]["Bytes"] = "not base64!";
  Json huge = kProbe;
  huge["Image"]["Bytes"] = std::string(8u << 20, 'A');
  Json s3 = {{"CollectionId", "booking"}, {"Image", {{"S3Object", {{"Bucket", "b"}}}}}};
  auto bad_header = WarrantedContext();
  bad_header.push_back({"X-Oversight-Warant-Id", "W-1"});
  auto bad_enum = WarrantedContext();
  bad_enum.push_back({"X-Oversight-Crime-Class", "jaywalking"});
  std::vector<Case> cases = {
      {"truncated JSON", bad_json, "SerializationException"},
      {"deeply nested JSON", deep, "SerializationException"},
      {"bad base64", Rekognition("SearchFacesByImage", bad_b64, WarrantedContext()),
       "InvalidParameterException"},
      {"image over 5 MiB", Rekognition("SearchFacesByImage", huge, WarrantedContext()),
       "ImageTooLargeException"},
      {"S3 image", Rekognition("SearchFacesByImage", s3, WarrantedContext()),
       "InvalidParameterException"},
      {"misspelt context header", Rekognition("SearchFacesByImage", kProbe, bad_header),
       "InvalidParameterException"},
      {"bad enum value", Rekognition("SearchFacesByImage", kProbe, bad_enum),
       "InvalidParameterException"},
      {"unknown operation", Rekognition("StartFaceSearch", kProbe), "UnknownOperationException"},
  };
  for (auto& c : cases) {
    const std::uint64_t before = EntryCount();
    Response r = Send(c.request, kInvestigator);
    EXPECT_EQ(Body(r)["__type"], c.type) << c.name << ": " << r.body;
    EXPECT_EQ(EntryCount(), before + 1) << c.name << " must be logged";
    EXPECT_FALSE(LastEntry()["decision"]["allow"].get<bool>()) << c.name;
  }
  EXPECT_EQ(upstream_.Calls().size(), 0u);
}

TEST_F(RequestPathTest, BadSignatureIsRefusedAndLoggedWithTheClaimedKey) {
  Request r = Rekognition("SearchFacesByImage", kProbe, WarrantedContext());
  Sign(r, {kInvestigator.id, "the-wrong-secret-for-this-key"});
  Response resp = gateway_->Handle(r);
  EXPECT_EQ(Body(resp)["__type"], "InvalidSignatureException");
  Json entry = LastEntry();
  EXPECT_EQ(entry["decision"]["stage"], "authentication");
  EXPECT_EQ(entry["principal"]["access_key_id"], kInvestigator.id);
}

TEST_F(RequestPathTest, UnsignedContextHeaderIsRefused) {
  Request r = Rekognition("SearchFacesByImage", kProbe, WarrantedContext());
  Sign(r, kInvestigator);
  r.headers.push_back({"X-Oversight-Location", "added after signing"});
  Response resp = gateway_->Handle(r);
  EXPECT_EQ(Body(resp)["__type"], "InvalidSignatureException");
  EXPECT_NE(Body(resp)["message"].get<std::string>().find("X-Oversight-Location"),
            std::string::npos);
}

TEST_F(RequestPathTest, RetriesOfOneInvocationAreMarkedInTheLedger) {
  auto context = WarrantedContext();
  context.push_back({"amz-sdk-invocation-id", "5d2c8f4e-0000-4000-8000-000000000001"});
  Send(Rekognition("SearchFacesByImage", kProbe, context), kInvestigator);
  const std::uint64_t first = EntryCount() - 1;
  EXPECT_FALSE(LastEntry().contains("retry_of"));
  Send(Rekognition("SearchFacesByImage", kProbe, context), kInvestigator);
  EXPECT_EQ(LastEntry()["retry_of"], first);
}

TEST_F(RequestPathTest, ThrottledPrincipalGetsThrottlingAndItIsLogged) {
  MakeGateway({1, 2});
  for (int i = 0; i < 2; ++i) Send(Rekognition("ListCollections", {}), kInvestigator);
  Response r = Send(Rekognition("ListCollections", {}), kInvestigator);
  EXPECT_EQ(Body(r)["__type"], "ThrottlingException");
  EXPECT_EQ(LastEntry()["decision"]["stage"], "rate_limit");
}

}  // namespace
}  // namespace oversight::proxy::testing
