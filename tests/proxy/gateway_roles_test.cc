// Least privilege: every role × operation cell, through the real request path. The expected
// matrix is written out here independently of proxy/src/access.cc, as docs/api.md states it.
#include <gtest/gtest.h>

#include <map>
#include <tuple>
#include <vector>

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
    {"report.read", "A"},      {"rules.read", "AP"},
    {"rules.evaluate", "P"},   {"rules.replay", "AP"},
    {"rules.reload", "O"},     {"metrics", "O"},
};

// Every route of the console's calls (docs/console.md) and the operation it is.
const std::vector<std::tuple<std::string, std::string, std::string>> kConsoleRoutes = {
    {"GET", "/oversight/v1/ledger/rows", "ledger.read"},
    {"GET", "/oversight/v1/report", "report.read"},
    {"GET", "/oversight/v1/rules/packs", "rules.read"},
    {"GET", "/oversight/v1/rules/packs/pack.json", "rules.read"},
    {"GET", "/oversight/v1/rules/schema", "rules.read"},
    {"POST", "/oversight/v1/rules/lint", "rules.evaluate"},
    {"POST", "/oversight/v1/rules/try", "rules.evaluate"},
    {"POST", "/oversight/v1/rules/scenarios", "rules.evaluate"},
    {"POST", "/oversight/v1/rules/replay", "rules.replay"},
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
      case ApiOp::kReportRead:
        return Api("GET", "/oversight/v1/report");
      case ApiOp::kRulesReplay:
        return Api("POST", "/oversight/v1/rules/replay", Json::object());
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

TEST_F(RoleMatrixTest, EveryConsoleRouteIsItsDocumentedOperationAndRefusedOutsideItsRoles) {
  for (const auto& [method, path, op] : kConsoleRoutes) {
    const std::string allowed = kMatrix.at(op);
    for (const RoleKey& rk : kRoles) {
      const std::string cell = method + " " + path + " as " + std::string(RoleName(rk.role));
      Response r = Send(Api(method, path, Json::object()), rk.key);
      const Json entry = LastEntry();
      EXPECT_EQ(entry["operation"], op) << cell;
      const bool refused_by_role =
          entry["decision"].value("stage", "") == "role" && !entry["decision"].value("allow", true);
      EXPECT_EQ(refused_by_role, allowed.find(rk.letter) == std::string::npos)
          << cell << ": " << r.body;
    }
  }
}

}  // namespace
}  // namespace oversight::proxy::testing
