// Compiling rule packs: typed errors with positions, all-or-nothing loading, the pack hash.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "oversight/policy/pack.h"
#include "test_util.h"

namespace oversight::policy {
namespace {

using testing::PackText;

std::vector<Diagnostic> Errors(const std::string& text) {
  CompileResult r = CompilePack(text, "p.json");
  EXPECT_EQ(r.pack, nullptr) << "a pack with errors must not load";
  return r.diagnostics;
}

bool HasCode(const std::vector<Diagnostic>& ds, const std::string& code) {
  for (const Diagnostic& d : ds) {
    if (d.code == code) return true;
  }
  return false;
}

const std::string kRule =
    R"({"id": "r", "effect": "permit", "message": "m", "citation": "c", "when": %s})";

std::string RuleWhen(const std::string& when) {
  std::string r = kRule;
  return "[" + r.replace(r.find("%s"), 2, when) + "]";
}

TEST(Compile, StringComparedWithNumberIsATypeError) {
  auto ds = Errors(PackText(RuleWhen(R"({"path": "request.threshold", "equals": "99"})")));
  ASSERT_TRUE(HasCode(ds, "type-mismatch"));
  EXPECT_EQ(ds[0].pos.line, 2u);  // PackText puts the rules on its second line
  EXPECT_GT(ds[0].pos.column, 1u);
  EXPECT_NE(ds[0].message.find("request.threshold is a number"), std::string::npos);
}

TEST(Compile, UnknownPathIsAnErrorWithASuggestion) {
  auto ds = Errors(PackText(RuleWhen(R"({"path": "context.purpse", "equals": "other"})")));
  ASSERT_TRUE(HasCode(ds, "unknown-path"));
  EXPECT_NE(ds[0].message.find("did you mean \"context.purpose\""), std::string::npos);
}

TEST(Compile, EnumValueOutsideTheSchemaIsAnError) {
  auto ds = Errors(PackText(RuleWhen(R"({"path": "context.mode", "equals": "realtime"})")));
  ASSERT_TRUE(HasCode(ds, "unknown-value"));
  EXPECT_NE(ds[0].message.find("real_time"), std::string::npos);
}

TEST(Compile, OperatorThatDoesNotApplyToTheTypeIsAnError) {
  auto ds = Errors(PackText(RuleWhen(R"({"path": "context.mode", "lt": "retrospective"})")));
  EXPECT_TRUE(HasCode(ds, "type-mismatch"));
}

TEST(Compile, ReferenceToAFieldOfAnotherTypeIsAnError) {
  auto ds = Errors(
      PackText(RuleWhen(R"({"path": "request.threshold", "equals": {"ref": "context.case_id"}})")));
  EXPECT_TRUE(HasCode(ds, "type-mismatch"));
}

TEST(Compile, HistoryPathsNeedAWindowAndOthersRefuseOne) {
  EXPECT_TRUE(HasCode(
      Errors(PackText(RuleWhen(R"({"path": "history.searches_in_case", "ge": 3})"))), "schema"));
  EXPECT_TRUE(HasCode(
      Errors(PackText(RuleWhen(R"({"path": "context.case_id", "window": "1d", "exists": true})"))),
      "schema"));
}

TEST(Compile, UnknownMembersAreErrorsNotIgnored) {
  auto ds = Errors(PackText(
      R"([{"id": "r", "effect": "permit", "message": "m", "citation": "c", "whne": {}}])"));
  ASSERT_TRUE(HasCode(ds, "unknown-field"));
  EXPECT_NE(ds[0].message.find("did you mean \"when\""), std::string::npos);
}

TEST(Compile, DuplicateRuleIdsAreErrors) {
  std::string r = R"({"id": "r", "effect": "permit", "message": "m", "citation": "c"})";
  EXPECT_TRUE(HasCode(Errors(PackText("[" + r + "," + r + "]")), "duplicate-id"));
}

TEST(Compile, ObligateRulesNeedValidObligations) {
  EXPECT_TRUE(HasCode(
      Errors(PackText(R"([{"id": "o", "effect": "obligate", "message": "m", "citation": "c"}])")),
      "missing-field"));
  EXPECT_TRUE(
      HasCode(Errors(PackText(R"([{"id": "o", "effect": "obligate", "message": "m", "citation": "c",
      "obligations": {"min_similarity": 120}}])")),
              "type-mismatch"));
  EXPECT_TRUE(
      HasCode(Errors(PackText(R"([{"id": "o", "effect": "obligate", "message": "m", "citation": "c",
      "obligations": {"exclude_record_status": ["never_charged"]}}])")),
              "unknown-value"));
}

TEST(Compile, ReportsEveryErrorInOnePass) {
  auto ds = Errors(PackText(R"([{"id": "a", "effect": "allow", "message": "m", "citation": "c"},
                                {"id": "b", "effect": "permit", "message": 1, "citation": "c"}])"));
  EXPECT_GE(ds.size(), 2u);
}

TEST(Compile, SyntaxErrorCarriesPosition) {
  auto ds = Errors("{\n \"format\": 1,\n \"rules\": [,]\n}");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].code, "syntax");
  EXPECT_EQ(ds[0].pos.line, 3u);
  EXPECT_EQ(ds[0].ToString().rfind("p.json:3:", 0), 0u);
}

TEST(Compile, UnsupportedFormatIsRejected) {
  std::string text = PackText("[]");
  text.replace(text.find("\"format\": 1"), 11, "\"format\": 2");
  EXPECT_TRUE(HasCode(Errors(text), "format"));
}

TEST(PackHash, IgnoresCommentsWhitespaceAndMemberOrder) {
  auto a = testing::MustCompile(PackText("[]"));
  auto b = testing::MustCompile("// comment\n" + PackText("[  ]"));
  auto c = testing::MustCompile(R"({"sources": [], "rules": [], "retention": [], "format": 1,
      "name": "t", "jurisdiction": "test", "version": "1", "description": "test pack"})");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->sha256_hex(), b->sha256_hex());
  EXPECT_EQ(a->sha256_hex(), c->sha256_hex());
  EXPECT_EQ(a->sha256_hex().size(), 64u);
}

TEST(PackHash, ChangesWhenARuleChanges) {
  auto a = testing::MustCompile(
      PackText(R"([{"id": "r", "effect": "permit", "message": "m", "citation": "c"}])"));
  auto b = testing::MustCompile(
      PackText(R"([{"id": "r", "effect": "permit", "message": "m", "citation": "c2"}])"));
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->sha256_hex(), b->sha256_hex());
}

TEST(PolicyStore, FailedReloadKeepsTheOldPack) {
  auto dir =
      std::filesystem::temp_directory_path() / ("policy_store_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "p.json").string();
  std::ofstream(path) << PackText(
      R"([{"id": "r", "effect": "permit", "message": "m", "citation": "c"}])");
  auto first = LoadPackFile(path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  PolicyStore store(*first);
  std::ofstream(path) << PackText(R"([{"id": "r", "effect": "permit", "message": "m"}])");
  Status st = store.Reload(path);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Current(), *first);
  std::ofstream(path) << PackText("[]");
  EXPECT_TRUE(store.Reload(path).ok());
  EXPECT_NE(store.Current(), *first);
  EXPECT_TRUE(store.Current()->rules().empty());
  std::filesystem::remove_all(dir);
}

TEST(PolicyStore, MissingFileIsNotFound) {
  EXPECT_EQ(LoadPackFile("/nonexistent/pack.json").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace oversight::policy
