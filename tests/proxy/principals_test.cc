// The principals file: what loads, and the exact refusal for each kind of bad input.
#include "oversight/proxy/principals.h"

#include <gtest/gtest.h>

#include "oversight/common/encoding.h"
#include "proxy_test_util.h"

namespace oversight::proxy {
namespace {

using testing::TempDir;
using testing::WriteText;

constexpr char kValid[] = R"({
  "version": 1,
  "access_keys": {
    "AKIAOVERSIGHT00001": {"secret_access_key": "s3cr3t-investigator-key",
                           "principal_id": "det.jones", "agency": "Metro PD",
                           "roles": ["investigator"]},
    "AKIAOVERSIGHT00002": {"secret_access_key": "s3cr3t-auditor-key-000",
                           "principal_id": "aud.lee", "agency": "Inspector General",
                           "roles": ["auditor", "policy_analyst"]}
  }
})";

StatusOr<std::shared_ptr<const PrincipalStore>> ParseText(std::string_view text) {
  return PrincipalStore::Parse(SecretBytes(AsBytes(text)));
}

TEST(PrincipalsTest, ValidFileWithMode0600Loads) {
  TempDir dir;
  WriteText(dir.File("p.json"), kValid, 0600);
  auto store = PrincipalStore::LoadFile(dir.File("p.json"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->size(), 2u);
  const Principal* p = (*store)->FindByAccessKey("AKIAOVERSIGHT00002");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->id, "aud.lee");
  EXPECT_EQ(p->agency, "Inspector General");
  EXPECT_TRUE(p->HasRole(Role::kAuditor));
  EXPECT_TRUE(p->HasRole(Role::kPolicyAnalyst));
  EXPECT_FALSE(p->HasRole(Role::kInvestigator));
  EXPECT_EQ((*store)->FindByAccessKey("AKIAOVERSIGHT00003"), nullptr);
}

TEST(PrincipalsTest, GroupReadableFileIsRefused) {
  TempDir dir;
  WriteText(dir.File("p.json"), kValid, 0640);
  auto store = PrincipalStore::LoadFile(dir.File("p.json"));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kPermissionDenied);
}

TEST(PrincipalsTest, MissingFileIsNotFound) {
  TempDir dir;
  EXPECT_EQ(PrincipalStore::LoadFile(dir.File("absent.json")).status().code(),
            StatusCode::kNotFound);
}

TEST(PrincipalsTest, LookupReturnsSecretAndPrincipal) {
  auto store = ParseText(kValid);
  ASSERT_TRUE(store.ok());
  auto cred = (*store)->Lookup("AKIAOVERSIGHT00001", "");
  ASSERT_TRUE(cred.ok());
  EXPECT_EQ(cred->principal_id, "det.jones");
  EXPECT_TRUE(cred->secret.Equals(AsBytes("s3cr3t-investigator-key")));
  EXPECT_EQ((*store)->Lookup("AKIAUNKNOWN0000000", "").status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*store)->Lookup("AKIAOVERSIGHT00001", "tok").status().code(),
            StatusCode::kUnauthenticated);
}

struct BadCase {
  const char* name;
  const char* json;
  const char* message_part;
};

class BadPrincipalsTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadPrincipalsTest, IsInvalidArgumentNamingTheProblem) {
  auto store = ParseText(GetParam().json);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find(GetParam().message_part), std::string::npos)
      << store.status().message();
  // The secret in the input is never echoed back.
  EXPECT_EQ(store.status().message().find("SECRETSECRETSECRET"), std::string::npos);
}

#define ENTRY(fields) "{\"version\":1,\"access_keys\":{\"AKIAOVERSIGHT00001\":{" fields "}}}"
#define GOOD_SECRET "\"secret_access_key\":\"SECRETSECRETSECRET\""

INSTANTIATE_TEST_SUITE_P(
    Cases, BadPrincipalsTest,
    ::testing::Values(
        BadCase{"malformed_json", "{\"version\":1,\"access_keys\":{SECRETSECRETSECRET", "byte"},
        BadCase{"not_an_object", "[1,2]", "expected"},
        BadCase{"wrong_version", "{\"version\":2,\"access_keys\":{}}", "expected"},
        BadCase{"extra_top_level", "{\"version\":1,\"access_keys\":{},\"x\":1}", "expected"},
        BadCase{"no_keys", "{\"version\":1,\"access_keys\":{}}", "no access keys"},
        BadCase{"unknown_role",
                ENTRY(GOOD_SECRET ",\"principal_id\":\"a\",\"agency\":\"b\",\"roles\":[\"admin\"]"),
                "unknown role \"admin\""},
        BadCase{"empty_roles",
                ENTRY(GOOD_SECRET ",\"principal_id\":\"a\",\"agency\":\"b\",\"roles\":[]"),
                "roles must be a non-empty array"},
        BadCase{
            "duplicate_role",
            ENTRY(GOOD_SECRET
                  ",\"principal_id\":\"a\",\"agency\":\"b\",\"roles\":[\"auditor\",\"auditor\"]"),
            "duplicate role"},
        BadCase{"short_secret",
                ENTRY("\"secret_access_key\":\"short\",\"principal_id\":\"a\",\"agency\":\"b\","
                      "\"roles\":[\"auditor\"]"),
                "secret_access_key must be"},
        BadCase{"missing_principal", ENTRY(GOOD_SECRET ",\"agency\":\"b\",\"roles\":[\"auditor\"]"),
                "principal_id"},
        BadCase{"missing_agency",
                ENTRY(GOOD_SECRET ",\"principal_id\":\"a\",\"roles\":[\"auditor\"]"), "agency"},
        BadCase{
            "unknown_field",
            ENTRY(GOOD_SECRET ",\"principal_id\":\"a\",\"agency\":\"b\",\"roles\":[\"auditor\"],"
                              "\"role\":\"x\""),
            "unknown field 'role'"},
        BadCase{"lowercase_key_id",
                "{\"version\":1,\"access_keys\":{\"akiaoversight00001\":{" GOOD_SECRET
                ",\"principal_id\":\"a\",\"agency\":\"b\",\"roles\":[\"auditor\"]}}}",
                "access key ids are"},
        BadCase{"same_principal_different_roles",
                "{\"version\":1,\"access_keys\":{"
                "\"AKIAOVERSIGHT00001\":{" GOOD_SECRET
                ",\"principal_id\":\"a\",\"agency\":\"b\",\"roles\":[\"auditor\"]},"
                "\"AKIAOVERSIGHT00002\":{" GOOD_SECRET
                ",\"principal_id\":\"a\",\"agency\":\"b\",\"roles\":[\"operator\"]}}}",
                "different agency or roles"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(RoleTest, NamesRoundTrip) {
  for (Role r : {Role::kInvestigator, Role::kRecordsAdmin, Role::kAuditor, Role::kPolicyAnalyst,
                 Role::kOperator}) {
    EXPECT_EQ(ParseRole(RoleName(r)), r);
  }
  EXPECT_EQ(ParseRole("Investigator"), std::nullopt);
}

}  // namespace
}  // namespace oversight::proxy
