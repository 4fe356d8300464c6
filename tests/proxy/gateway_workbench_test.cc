// The policy analyst's console calls through Gateway::Handle: the pack directory (and what it
// refuses to serve), the schema, and dry runs of drafts (lint, try, scenarios, replay). None
// of them changes the pack in force.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gateway_fixture.h"
#include "oversight/common/encoding.h"
#include "oversight/policy/jsonc.h"

namespace oversight::proxy::testing {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The shipped baseline pack as plain JSON, comments gone.
Json BaselinePack() {
  auto parsed = policy::ParseJsoncFile(OVERSIGHT_RULES_DIR "/baseline.json");
  EXPECT_TRUE(parsed.ok());
  return Json::parse(policy::ToJsonText(*parsed));
}

// The baseline without its warranted-investigation permit: every warranted search is denied.
std::string BaselineWithoutWarrantPermit() {
  Json pack = BaselinePack();
  pack["name"] = "draft-without-warrant-permit";
  Json& rules = pack["rules"];
  for (auto it = rules.begin(); it != rules.end(); ++it) {
    if ((*it)["id"] == "permit-warranted-investigation") {
      rules.erase(it);
      break;
    }
  }
  return pack.dump(2);
}

std::size_t DraftDirectories() {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(fs::temp_directory_path())) {
    n += e.path().filename().string().rfind("oversight-draft-", 0) == 0;
  }
  return n;
}

// A lawful warranted search as a request document (the baseline scenarios' base).
const Json kWarrantedRequest = {
    {"principal",
     {{"id", "det-417"},
      {"agency", "Example PD"},
      {"agency_type", "law_enforcement"},
      {"roles", {"investigator"}}}},
    {"action", "search_by_image"},
    {"context",
     {{"warrant_id", "W-2026-0042"},
      {"case_id", "C-2026-1187"},
      {"purpose", "criminal_investigation"},
      {"source", "cctv_still"},
      {"mode", "retrospective"},
      {"capture_time", "2026-02-20T03:14:00Z"}}},
    {"request", {{"collection", "booking"}, {"threshold", 99}, {"max_results", 5}}}};

class WorkbenchTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    // The pack directory (the fixture's dir): pack.json in force, plus the shipped baseline
    // and its scenarios, a warrant registry (JSON, not a pack) and a private file.
    fs::copy_file(OVERSIGHT_RULES_DIR "/baseline.json", dir_.File("baseline.json"));
    fs::copy_file(OVERSIGHT_RULES_DIR "/baseline.scenarios.json",
                  dir_.File("baseline.scenarios.json"));
    fs::copy_file(OVERSIGHT_RULES_DIR "/warrants.sample.json", dir_.File("warrants.json"));
    dir_.Write("principals.json", R"({"rules": [], "access_keys": {"AKIA": "secret"}})");
    ::chmod(dir_.File("principals.json").c_str(), 0600);
    for (const char* f : {"pack.json", "baseline.json", "baseline.scenarios.json"}) {
      ::chmod(dir_.File(f).c_str(), 0644);
    }
  }

  Json Call(const std::string& method, const std::string& path, const Json& body = Json(),
            int* status = nullptr, const Key& key = kPolicyAnalyst) {
    Response r = Send(Api(method, "/oversight/v1/rules/" + path, body), key);
    if (status) *status = r.status;
    return Body(r);
  }

  std::string EnforcedSha() { return Call("GET", "")["Sha256"]; }
};

TEST_F(WorkbenchTest, PacksListsThePackDirectoryAndMarksTheEnforcedPack) {
  int status = 0;
  const Json body = Call("GET", "packs", Json(), &status);
  ASSERT_EQ(status, 200) << body.dump();
  ASSERT_EQ(body["Packs"].size(), 2u) << body.dump();  // not warrants.json, not principals.json
  const Json& baseline = body["Packs"][0];
  const Json& pack = body["Packs"][1];
  EXPECT_EQ(baseline["File"], "baseline.json");
  EXPECT_EQ(baseline["Name"], "oversight-baseline");
  EXPECT_FALSE(baseline["Enforced"].get<bool>());
  EXPECT_EQ(pack["File"], "pack.json");
  EXPECT_TRUE(pack["Enforced"].get<bool>());
  EXPECT_EQ(pack["Sha256"], EnforcedSha());
  EXPECT_EQ(baseline["Sha256"], pack["Sha256"]);  // the same pack, copied
  EXPECT_EQ(body["Scenarios"], Json::array({"baseline.scenarios.json"}));
}

TEST_F(WorkbenchTest, PackFileIsServedWithItsTextAndPackHash) {
  int status = 0;
  const Json body = Call("GET", "packs/baseline.json", Json(), &status);
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["File"], "baseline.json");
  EXPECT_EQ(body["Text"], ReadFile(OVERSIGHT_RULES_DIR "/baseline.json"));
  EXPECT_EQ(body["Sha256"], EnforcedSha());
  const Json scenarios = Call("GET", "packs/baseline.scenarios.json", Json(), &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(scenarios["Sha256"], "");
  EXPECT_EQ(LastEntry()["rules_file"], "baseline.scenarios.json");
}

TEST_F(WorkbenchTest, PackFileRefusesPathTraversalPrivateFilesAndNonPacks) {
  for (const std::string name :
       {"..json", "%2e%2e%2fprincipals.json", "..%2Fpack.json", ".hidden.json", "records.key",
        "pack.txt", "principals.json", "warrants.json", "pack.json%00", "a\\b.json"}) {
    const std::uint64_t before = EntryCount();
    int status = 0;
    const Json body = Call("GET", "packs/" + name, Json(), &status);
    EXPECT_EQ(status, 400) << name;
    EXPECT_EQ(body["__type"], "InvalidParameterException") << name << ": " << body.dump();
    EXPECT_EQ(body["message"].get<std::string>().find("secret"), std::string::npos);
    EXPECT_EQ(EntryCount(), before + 1) << name << " was not logged";
  }
  int status = 0;
  // A path with more segments is no route at all; a missing file is not found.
  EXPECT_EQ(Call("GET", "packs/../principals.json", Json(), &status)["__type"],
            "ResourceNotFoundException");
  EXPECT_EQ(Call("GET", "packs/missing.json", Json(), &status)["__type"],
            "ResourceNotFoundException");
}

TEST_F(WorkbenchTest, SchemaListsEveryFieldWithItsTypeAndValues) {
  const Json body = Call("GET", "schema");
  bool mode = false, warrant_status = false;
  for (const Json& f : body["Fields"]) {
    EXPECT_FALSE(f["Meaning"].get<std::string>().empty()) << f.dump();
    if (f["Path"] == "context.mode") {
      mode = true;
      EXPECT_EQ(f["Type"], "enum");
      EXPECT_EQ(f["Source"], "request");
      EXPECT_EQ(f["Values"], Json::array({"retrospective", "real_time"}));
    }
    warrant_status |= f["Path"] == "warrant.status" && f["Source"] == "warrant";
  }
  EXPECT_TRUE(mode);
  EXPECT_TRUE(warrant_status);
}

TEST_F(WorkbenchTest, LintGivesTheLineAndColumnOfEachFinding) {
  const std::string text =
      "{\n"
      "  \"format\": 1, \"name\": \"draft\", \"jurisdiction\": \"any\", \"version\": \"0\",\n"
      "  \"description\": \"d\", \"sources\": [],\n"
      "  \"rules\": [\n"
      "    {\"id\": \"permit-mood\", \"effect\": \"permit\", \"message\": \"m\", \"citation\": "
      "\"c\",\n"
      "     \"when\": {\"path\": \"context.moood\", \"equals\": \"x\"}}\n"
      "  ]\n"
      "}\n";
  int status = 0;
  const Json body = Call("POST", "lint", {{"Text", text}}, &status);
  ASSERT_EQ(status, 200) << body.dump();
  ASSERT_EQ(body["Errors"], 1) << body.dump();
  const Json& d = body["Diagnostics"][0];
  EXPECT_EQ(d["Severity"], "error");
  EXPECT_EQ(d["Code"], "unknown-path");
  EXPECT_EQ(d["Line"], 6);
  EXPECT_EQ(d["Column"], 23);
  EXPECT_NE(d["Message"].get<std::string>().find("moood"), std::string::npos);
  // The ledger keeps the draft's hash, not its text.
  EXPECT_EQ(LastEntry()["dry_run"]["draft_sha256"], HexEncode(Sha256(text)));

  const Json clean =
      Call("POST", "lint", {{"Text", ReadFile(OVERSIGHT_RULES_DIR "/baseline.json")}});
  EXPECT_EQ(clean["Errors"], 0);
}

TEST_F(WorkbenchTest, TryDecidesWithTheEnforcedPackOrAPastedDraft) {
  const Json warrant_fixture = {{"court", "king-county-superior"},
                                {"status", "active"},
                                {"issued_at", "2026-02-21T09:00:00Z"},
                                {"expires_at", "2026-03-21T09:00:00Z"},
                                {"case_ids", {"C-2026-1187"}},
                                {"purposes", {"criminal_investigation"}},
                                {"signature_valid", true}};
  const Json request = {{"Request", kWarrantedRequest},
                        {"Facts", {{"warrant", warrant_fixture}}},
                        {"Now", "2026-03-01T12:00:00Z"}};
  int status = 0;
  const Json enforced = Call("POST", "try", request, &status);
  ASSERT_EQ(status, 200) << enforced.dump();
  EXPECT_TRUE(enforced["Decision"]["allow"].get<bool>());
  EXPECT_EQ(enforced["Decision"]["permitting"], Json::array({"permit-warranted-investigation"}));
  EXPECT_NE(enforced["Explanation"].get<std::string>().find("permit-warranted-investigation"),
            std::string::npos);

  Json draft = request;
  draft["Text"] = BaselineWithoutWarrantPermit();
  const Json denied = Call("POST", "try", draft, &status);
  ASSERT_EQ(status, 200) << denied.dump();
  EXPECT_FALSE(denied["Decision"]["allow"].get<bool>());
  EXPECT_EQ(denied["Decision"]["pack"], "draft-without-warrant-permit");
  // The dry run is logged as such; the call itself was allowed by role.
  EXPECT_EQ(LastEntry()["decision"]["allow"], true);
  EXPECT_EQ(LastEntry()["dry_run"]["allow"], false);

  // Without fixtures, the live registry decides (its W-2026-0042 is valid on the fixture's date).
  const Json live = Call("POST", "try", {{"Request", kWarrantedRequest}}, &status);
  EXPECT_TRUE(live["Decision"]["allow"].get<bool>()) << live.dump();
  EXPECT_EQ(EnforcedSha(), live["Decision"]["pack_sha256"]);  // nothing changed in force
}

TEST_F(WorkbenchTest, TryRefusesBadInputWithClearErrors) {
  int status = 0;
  EXPECT_EQ(Call("POST", "try", {{"Text", 5}, {"Request", kWarrantedRequest}}, &status)["__type"],
            "InvalidParameterException");
  EXPECT_EQ(Call("POST", "try", Json::object(), &status)["__type"], "InvalidParameterException");
  Json bad_field = kWarrantedRequest;
  bad_field["context"]["mood"] = "x";
  EXPECT_EQ(Call("POST", "try", {{"Request", bad_field}}, &status)["__type"],
            "InvalidParameterException");
  const Json broken = Call("POST", "try", {{"Text", "{"}, {"Request", kWarrantedRequest}});
  EXPECT_NE(broken["message"].get<std::string>().find("does not compile"), std::string::npos);
  const Json huge = Call("POST", "lint", {{"Text", std::string((1u << 20) + 1, ' ')}}, &status);
  EXPECT_EQ(huge["__type"], "InvalidParameterException");
  EXPECT_NE(huge["message"].get<std::string>().find("longer than"), std::string::npos);
}

TEST_F(WorkbenchTest, ScenariosPassForTheirPackAndFailForADraftWithoutARule) {
  int status = 0;
  const std::size_t drafts_before = DraftDirectories();
  const Json own = Call("POST", "scenarios", {{"File", "baseline.scenarios.json"}}, &status);
  ASSERT_EQ(status, 200) << own.dump();
  EXPECT_GT(own["Passed"].get<int>(), 10);
  EXPECT_EQ(own["Failed"], 0);
  EXPECT_EQ(own["Results"][0]["Location"].get<std::string>().rfind("baseline.scenarios.json:", 0),
            0u);

  const Json draft = Call(
      "POST", "scenarios",
      {{"File", "baseline.scenarios.json"}, {"Text", BaselineWithoutWarrantPermit()}}, &status);
  ASSERT_EQ(status, 200) << draft.dump();
  EXPECT_GT(draft["Failed"].get<int>(), 0);
  EXPECT_FALSE(draft["Results"][0]["Passed"].get<bool>());
  EXPECT_FALSE(draft["Results"][0]["Failures"].empty());
  EXPECT_EQ(draft["Results"][0]["Decision"], "deny");
  EXPECT_EQ(DraftDirectories(), drafts_before);  // the draft's private file is gone
  EXPECT_EQ(Call("POST", "scenarios", {{"File", "baseline.json"}}, &status)["__type"],
            "InvalidParameterException");
  EXPECT_EQ(Call("POST", "scenarios", {{"File", "../baseline.scenarios.json"}}, &status)["__type"],
            "InvalidParameterException");
}

TEST_F(WorkbenchTest, ReplayCountsTheDecisionsADraftWouldChange) {
  upstream_.respond = [](const std::string&, const Json&) {
    return UpstreamReply{200, R"({"FaceMatches": []})"};
  };
  const Json probe = {{"CollectionId", "booking"},
                      {"Image", {{"Bytes", Base64Encode(AsBytes("probe-image-bytes"))}}}};
  ASSERT_EQ(
      Send(Rekognition("SearchFacesByImage", probe, WarrantedContext()), kInvestigator).status,
      200);
  ASSERT_EQ(Send(Api("POST", "/oversight/v1/ledger/checkpoint"), kAuditor).status, 200);

  int status = 0;
  const Json same = Call("POST", "replay", {{"Text", ReadFile(pack_path_)}}, &status);
  ASSERT_EQ(status, 200) << same.dump();
  EXPECT_EQ(same["replayed"], 1);
  EXPECT_EQ(same["allow_allow"], 1);
  EXPECT_EQ(same["allow_deny"], 0);
  EXPECT_TRUE(same["verified"].get<bool>());

  const Json draft =
      Call("POST", "replay", {{"Text", BaselineWithoutWarrantPermit()}, {"From", "2026-03-01"}},
           &status, kAuditor);  // auditors may replay too
  ASSERT_EQ(status, 200) << draft.dump();
  EXPECT_EQ(draft["allow_deny"], 1);
  EXPECT_EQ(draft["pack"]["name"], "draft-without-warrant-permit");
  EXPECT_EQ(draft["by_rule"]["(no permit matched)"]["allow_to_deny"], 1);
  EXPECT_EQ(LastEntry()["dry_run"]["allow_deny"], 1);

  EXPECT_EQ(Call("POST", "replay", Json::object(), &status)["__type"], "InvalidParameterException");
  EXPECT_EQ(EnforcedSha(), same["pack"]["sha256"]);
}

}  // namespace
}  // namespace oversight::proxy::testing
