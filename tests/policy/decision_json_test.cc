// The ledger record of a decision.
#include "oversight/policy/decision_json.h"

#include <gtest/gtest.h>

#include "oversight/common/canonical_json.h"
#include "test_util.h"

namespace oversight::policy {
namespace {

TEST(DecisionJson, IsCanonicalAndCarriesRulesObligationsAndPackHash) {
  auto pack = testing::MustCompile(testing::PackText(R"([
      {"id": "p", "effect": "permit", "message": "m", "citation": "c"},
      {"id": "o", "effect": "obligate", "message": "m", "citation": "c",
       "obligations": {"min_similarity": 99.5, "max_results": 3, "notice": "lead only"}},
      {"id": "f", "effect": "forbid", "message": "m", "citation": "c",
       "when": {"path": "context.source", "equals": "sketch"}}])"));
  std::string json = DecisionToJson(pack->Evaluate(RequestDoc(), {}));
  EXPECT_TRUE(IsCanonicalJson(json)) << json;
  EXPECT_NE(json.find(R"("allow":false)"), std::string::npos);
  EXPECT_NE(json.find(R"("forbidding":["f"])"), std::string::npos);
  EXPECT_NE(json.find(R"("undecided":["f"])"), std::string::npos);
  EXPECT_NE(json.find(R"("min_similarity":99.5)"), std::string::npos);
  EXPECT_NE(json.find(R"("pack_sha256":")" + pack->sha256_hex() + "\""), std::string::npos);
}

}  // namespace
}  // namespace oversight::policy
