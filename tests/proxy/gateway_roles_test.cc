// Least privilege: every role × operation cell, through the real request path. The expected
// matrix is written out here independently of proxy/src/access.cc, as docs/api.md states it.
#include <gtest/gtest.h>

#include <map>

#include "gateway_fixture.h"
#include "oversight/proxy/access.h"

namespace oversight::proxy::testing {
namespace {

// Operation -> the roles that may call it (I investigator, R records_admin, A auditor,
// P policy_analyst, O operator).
const std::map<std::string, std::string> kMatrix = {
    {"CreateCollection", "R"}, {"DeleteCollection", "R"},
    {"ListCollections", "IR"}, {"DescribeCollection", "IR"},
    {"IndexFaces", "R"},       {"ListFaces", "R"},
    {"DeleteFaces", "R"},      {"SearchFacesByImage", "I"},
    {"SearchFaces", "I"},      {"CompareFaces", "I"},
    {"DetectFaces", "I"},      {"whoami", "IRAPO"},
    {"session.start", "I"},
    {"records.read", "R"},     {"records.update", "R"},
    {"purge.run", "R"},        {"ledger.read", "A"},
    {"rules.read", "AP"},      {"rules.evaluate", "P"},
    {"rules.reload", "O"},     {"metrics", "O"},
};

struct RoleKey {
  char letter;
  Role role;
  Key key;
};
const RoleKey kRoles[] = {{'I', Role::kInvestigator, kInvestigator},
                          {'R', Role::kRecordsAdmin, kRecordsAdmin},
                          {'A', Role::kAuditor, kAuditor},
                          {'P', Role::kPolicyAnalyst, kPolicyAnalyst},
                          {'O', Role::kOperator, kOperator}};

class RoleMatrixTest : public GatewayTest {
 protected:
  Request RequestFor(ApiOp op) const {
    switch (op) {
      case ApiOp::kWhoAmI:
        return Api("GET", "/oversight/v1/whoami");
      case ApiOp::kSessionStart:
        return Api("POST", "/oversight/v1/sessions", Json::object());
      case ApiOp::kRecordRead:
        return Api("GET", "/oversight/v1/records/face-1");
      case ApiOp::kRecordUpdate:
        return Api("POST", "/oversight/v1/records/face-1/status", {{"charge_status", "charged"}});
      case ApiOp::kPurgeNow:
        return Api("POST", "/oversight/v1/purge", Json::object());
      case ApiOp::kLedgerRead:
        return Api("GET", "/oversight/v1/ledger/entries");
      case ApiOp::kRulesRead:
        return Api("GET", "/oversight/v1/rules");
      case ApiOp::kRulesEvaluate:
        return Api("POST", "/oversight/v1/rules/evaluate", Json::object());
      case ApiOp::kRulesReload:
        return Api("POST", "/oversight/v1/rules/reload", Json::object());
      case ApiOp::kMetrics:
        return Api("GET", "/metrics");
      default:
        return Rekognition(std::string(ApiOpName(op)), {{"CollectionId", "booking"}});
    }
  }
};

TEST_F(RoleMatrixTest, TheMatrixInCodeIsTheDocumentedOne) {
  ASSERT_EQ(AllApiOps().size(), kMatrix.size());
  for (ApiOp op : AllApiOps()) {
    const std::string allowed = kMatrix.at(std::string(ApiOpName(op)));
    for (const RoleKey& rk : kRoles) {
      EXPECT_EQ(RoleAllows(rk.role, op), allowed.find(rk.letter) != std::string::npos)
          << ApiOpName(op) << " for " << RoleName(rk.role);
    }
  }
}

TEST_F(RoleMatrixTest, EveryCellIsEnforcedAndEveryRefusalIsLogged) {
  for (ApiOp op : AllApiOps()) {
    const std::string allowed = kMatrix.at(std::string(ApiOpName(op)));
    for (const RoleKey& rk : kRoles) {
      const std::string cell = std::string(ApiOpName(op)) + " as " + std::string(RoleName(rk.role));
      const std::uint64_t before = EntryCount();
      Response r = Send(RequestFor(op), rk.key);
      ASSERT_GE(EntryCount(), before + 1) << cell << " was not logged";
      const Json entry = LastEntry();
      ASSERT_TRUE(entry.contains("decision") && entry["decision"].is_object())
          << cell << ": " << entry.dump();
      const Json& decision = entry["decision"];
      const bool refused_by_role =
          decision.value("stage", "") == "role" && !decision.value("allow", true);
      if (allowed.find(rk.letter) == std::string::npos) {
        EXPECT_TRUE(refused_by_role) << cell << ": " << r.body;
        EXPECT_EQ(Body(r)["__type"], "AccessDeniedException") << cell;
        EXPECT_NE(r.body.find("may not call"), std::string::npos) << cell;
      } else {
        EXPECT_FALSE(refused_by_role) << cell << ": " << r.body;
      }
    }
  }
}

}  // namespace
}  // namespace oversight::proxy::testing
