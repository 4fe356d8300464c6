// Evaluation semantics: default deny, forbid wins, strictest obligations, fail-closed facts.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "oversight/policy/case.h"
#include "oversight/policy/pack.h"
#include "test_util.h"

namespace oversight::policy {
namespace {

using testing::MustCompile;
using testing::MustRequest;
using testing::PackText;
using testing::T;

std::string Rule(const std::string& id, const std::string& effect, const std::string& when,
                 const std::string& extra = "") {
  std::string r = R"({"id": ")" + id + R"(", "effect": ")" + effect + R"(", "message": "msg )" +
                  id + R"(", "citation": "cite )" + id + "\"";
  if (!when.empty()) r += ", \"when\": " + when;
  return r + extra + "}";
}

const char* kSearch = R"({"action": "search_by_image", "context": {"mode": "retrospective",
    "purpose": "criminal_investigation", "case_id": "C1", "warrant_id": "W1"}})";

std::vector<std::string> Ids(const std::vector<RuleHit>& hits) {
  std::vector<std::string> out;
  for (const RuleHit& h : hits) out.push_back(h.rule->id);
  return out;
}

TEST(Evaluate, DeniesByDefaultWhenNoPermitMatches) {
  auto pack = MustCompile(
      PackText("[" + Rule("p", "permit", R"({"path": "action", "equals": "enroll"})") + "]"));
  Decision d = pack->Evaluate(MustRequest(kSearch), {});
  EXPECT_FALSE(d.allow);
  EXPECT_TRUE(d.permitting.empty());
  EXPECT_EQ(d.Reasons()[0], "no permit rule matched: denied by default");
}

TEST(Evaluate, AllowsWhenAPermitMatchesAndNoForbid) {
  auto pack = MustCompile(PackText(
      "[" + Rule("p", "permit", R"({"path": "context.mode", "equals": "retrospective"})") + "]"));
  Decision d = pack->Evaluate(MustRequest(kSearch), {});
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(Ids(d.permitting), std::vector<std::string>{"p"});
  EXPECT_EQ(d.pack_sha256, pack->sha256_hex());
}

TEST(Evaluate, ForbidWinsOverPermit) {
  auto pack = MustCompile(PackText(
      "[" + Rule("p", "permit", "") + "," +
      Rule("f", "forbid", R"({"path": "context.purpose", "equals": "criminal_investigation"})") +
      "]"));
  Decision d = pack->Evaluate(MustRequest(kSearch), {});
  EXPECT_FALSE(d.allow);
  EXPECT_EQ(Ids(d.forbidding), std::vector<std::string>{"f"});
  EXPECT_EQ(Ids(d.permitting), std::vector<std::string>{"p"});
  EXPECT_NE(d.Reasons()[0].find("forbidden by f: msg f [cite f]"), std::string::npos);
}

TEST(Evaluate, ObligationsMergeStrictestWins) {
  auto pack = MustCompile(PackText(
      "[" + Rule("p", "permit", "") + "," +
      Rule("o1", "obligate", "", R"(, "obligations": {"min_similarity": 95, "max_results": 10,
           "exclude_record_status": ["sealed"], "notice": "n1"})") +
      "," + Rule("o2", "obligate", "", R"(, "obligations": {"min_similarity": 99, "max_results": 20,
           "exclude_record_status": ["acquitted"], "human_review_required": true, "notice": "n2"})") +
      "]"));
  Decision d = pack->Evaluate(MustRequest(kSearch), {});
  ASSERT_TRUE(d.allow);
  EXPECT_EQ(d.obligations.min_similarity, 99);
  EXPECT_EQ(d.obligations.max_results, 10);
  EXPECT_TRUE(d.obligations.human_review_required);
  EXPECT_EQ(d.obligations.exclude_record_status,
            (std::vector<std::string_view>{"acquitted", "sealed"}));
  EXPECT_EQ(d.obligations.notices, (std::vector<std::string_view>{"n1", "n2"}));
}

TEST(Evaluate, MissingFieldNeverSatisfiesAPermit) {
  auto pack = MustCompile(PackText(
      "[" + Rule("p", "permit", R"({"not": {"path": "context.source", "equals": "sketch"}})") +
      "]"));
  Decision d = pack->Evaluate(MustRequest(kSearch), {});  // no context.source
  EXPECT_FALSE(d.allow);
}

TEST(Evaluate, MissingFieldMakesAForbidApplyFailClosed) {
  auto pack = MustCompile(
      PackText("[" + Rule("p", "permit", "") + "," +
               Rule("f", "forbid", R"({"path": "context.source", "equals": "sketch"})") + "]"));
  Decision d = pack->Evaluate(MustRequest(kSearch), {});
  EXPECT_FALSE(d.allow);
  ASSERT_EQ(d.forbidding.size(), 1u);
  EXPECT_TRUE(d.forbidding[0].undecided);
}

TEST(Evaluate, ExistsGuardLetsAuthorsMakeAFieldOptional) {
  auto pack = MustCompile(
      PackText("[" + Rule("p", "permit", "") + "," +
               Rule("f", "forbid", R"({"all": [{"path": "context.source", "exists": true},
                                      {"path": "context.source", "equals": "sketch"}]})") +
               "]"));
  EXPECT_TRUE(pack->Evaluate(MustRequest(kSearch), {}).allow);
}

TEST(Evaluate, TimeArithmeticRelativeToNow) {
  auto pack = MustCompile(
      PackText("[" + Rule("p", "permit", R"({"path": "context.capture_time", "lt": "now-60m"})") +
               "," + Rule("q", "permit", R"({"path": "context.capture_age", "ge": "1h"})") + "]"));
  RequestDoc req = MustRequest(R"({"context": {"capture_time": "2026-01-01T10:00:00Z"}})");
  EXPECT_FALSE(pack->Evaluate(req, {nullptr, nullptr, T("2026-01-01T10:59:00Z")}).allow);
  Decision later = pack->Evaluate(req, {nullptr, nullptr, T("2026-01-01T11:00:01Z")});
  EXPECT_EQ(Ids(later.permitting), (std::vector<std::string>{"p", "q"}));
}

TEST(Evaluate, GlobPrefixAndSetOperators) {
  auto pack = MustCompile(PackText(
      "[" +
      Rule("glob", "permit", R"({"path": "context.crime_statute", "matches": "MCA 45-5-*"})") +
      "," + Rule("prefix", "permit", R"({"path": "context.crime_statute", "prefix": "MCA"})") +
      "," +
      Rule("any", "permit", R"({"path": "principal.roles", "contains_any": ["x", "analyst"]})") +
      "," + Rule("two", "permit", R"({"path": "context.reviewer_ids", "min_size": 2})") + "]"));
  Decision d = pack->Evaluate(MustRequest(R"({"principal": {"roles": ["analyst"]},
      "context": {"crime_statute": "MCA 45-5-102", "reviewer_ids": ["a", "b", "a"]}})"),
                              {});
  EXPECT_EQ(Ids(d.permitting), (std::vector<std::string>{"glob", "prefix", "any", "two"}));
  Decision one = pack->Evaluate(
      MustRequest(R"({"context": {"crime_statute": "RCW 9A", "reviewer_ids": ["a", "a"]}})"), {});
  EXPECT_TRUE(one.permitting.empty());
}

class CountingRegistry : public WarrantRegistry {
 public:
  mutable std::atomic<int> calls{0};
  StatusOr<std::optional<Warrant>> Lookup(std::string_view id) const override {
    ++calls;
    Warrant w;
    w.id = std::string(id);
    w.status = "active";
    w.case_ids = {"C1"};
    w.purposes = {"criminal_investigation"};
    w.signature_valid = true;
    return std::optional<Warrant>(w);
  }
};

TEST(Evaluate, WarrantRegistryIsAskedLazilyAndOnce) {
  CountingRegistry registry;
  auto no_warrant_rules = MustCompile(PackText("[" + Rule("p", "permit", "") + "]"));
  no_warrant_rules->Evaluate(MustRequest(kSearch), {&registry, nullptr, {}});
  EXPECT_EQ(registry.calls, 0);
  auto pack = MustCompile(PackText("[" + Rule("p", "permit", R"({"all": [
      {"path": "warrant.status", "equals": "active"},
      {"path": "warrant.case_ids", "contains": {"ref": "context.case_id"}},
      {"path": "warrant.purposes", "contains": {"ref": "context.purpose"}}]})") +
                                   "]"));
  Decision d = pack->Evaluate(MustRequest(kSearch), {&registry, nullptr, {}});
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(registry.calls, 1);
}

TEST(Evaluate, UnavailableWarrantRegistryDeniesPermitsThatNeedIt) {
  FixtureWarrantRegistry down;
  down.unavailable = true;
  auto pack = MustCompile(
      PackText("[" + Rule("p", "permit", R"({"path": "warrant.exists", "equals": true})") + "]"));
  EXPECT_FALSE(pack->Evaluate(MustRequest(kSearch), {&down, nullptr, {}}).allow);
}

TEST(Evaluate, HistoryCountsUseTheRulesWindow) {
  FixtureHistory history;
  history.counts["searches_by_principal"]["24h"] = 2;
  history.counts["searches_by_principal"]["30d"] = 40;
  auto pack = MustCompile(
      PackText("[" + Rule("p", "permit", "") + "," +
               Rule("daily", "forbid",
                    R"({"path": "history.searches_by_principal", "window": "24h", "ge": 3})") +
               "," +
               Rule("monthly", "forbid",
                    R"({"path": "history.searches_by_principal", "window": "30d", "ge": 30})") +
               "]"));
  Decision d = pack->Evaluate(MustRequest(kSearch), {nullptr, &history, {}});
  EXPECT_EQ(Ids(d.forbidding), std::vector<std::string>{"monthly"});
}

TEST(Retention, PurgesMatchingStatusesOnlyAfterTheGracePeriod) {
  auto pack = MustCompile(
      PackText("[]", R"([{"id": "purge", "charge_status_in": ["dismissed", "not_charged"],
      "older_than": "30d", "message": "m", "citation": "c"}])"));
  std::vector<RecordStatus> records = {{"old", "dismissed", T("2026-01-01T00:00:00Z")},
                                       {"new", "not_charged", T("2026-02-20T00:00:00Z")},
                                       {"convicted", "convicted", T("2020-01-01T00:00:00Z")},
                                       {"weird", "bogus-status", T("2020-01-01T00:00:00Z")}};
  auto orders = pack->RecordsToPurge(records, T("2026-03-01T00:00:00Z"));
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].record_id, "old");
  EXPECT_EQ(orders[0].rule->id, "purge");
}

TEST(Evaluate, IsSafeFromManyThreadsAtOnce) {
  auto pack = MustCompile(PackText(
      "[" + Rule("p", "permit", R"({"path": "context.mode", "equals": "retrospective"})") + "," +
      Rule("f", "forbid", R"({"path": "context.purpose", "equals": "protest_monitoring"})") + "]"));
  RequestDoc ok = MustRequest(kSearch);
  RequestDoc bad =
      MustRequest(R"({"context": {"mode": "retrospective", "purpose": "protest_monitoring"}})");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (!pack->Evaluate(ok, {}).allow || pack->Evaluate(bad, {}).allow) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong, 0);
}

TEST(Request, RejectsUnknownFieldsWrongTypesAndBadEnumValues) {
  auto parse = [](const char* text) {
    auto v = ParseJsonc(text, "r.json");
    return RequestFromJson(*v, "r.json").status();
  };
  EXPECT_EQ(parse(R"({"context": {"purpse": "other"}})").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse(R"({"request": {"threshold": "99"}})").code(), StatusCode::kInvalidArgument);
  Status bad_enum = parse(R"({"context": {"mode": "realtime"}})");
  EXPECT_NE(bad_enum.message().find("did you mean \"real_time\""), std::string::npos);
  EXPECT_NE(parse(R"({"warrant": {"exists": true}})").message().find("r.json:1:2"),
            std::string::npos);
  EXPECT_FALSE(parse(R"({"context": {"capture_time": "yesterday"}})").ok());
}

}  // namespace
}  // namespace oversight::policy

namespace oversight::policy {
namespace {

// Found by the evaluate fuzzer: a year past 2262 overflowed nanosecond arithmetic.
TEST(Request, TimesOutsideTheSupportedYearsAreRejectedNotOverflowed) {
  EXPECT_FALSE(ParsePolicyTime("5411-02-21T09:00:00Z").ok());
  EXPECT_FALSE(ParsePolicyTime("1969-12-31T23:59:59Z").ok());
  EXPECT_TRUE(ParsePolicyTime("2200-12-31T23:59:59Z").ok());
  auto v = ParseJsonc(
      R"({"request": {}, "facts": {"warrant": {"issued_at": "5411-02-21T09:00:00Z"}}})", "c");
  EXPECT_EQ(ParseCase(*v, "c", {}).status().code(), StatusCode::kInvalidArgument);
}

TEST(Evaluate, RelativeTimesSaturateInsteadOfOverflowing) {
  auto pack = testing::MustCompile(testing::PackText(R"([{"id": "p", "effect": "permit",
      "message": "m", "citation": "c", "when": {"path": "context.capture_time", "lt": "now+100w"}}])"));
  RequestDoc req = testing::MustRequest(R"({"context": {"capture_time": "2200-01-01T00:00:00Z"}})");
  TimePoint end_of_time(TimePoint::duration(INT64_MAX - 1));
  EXPECT_TRUE(pack->Evaluate(req, {nullptr, nullptr, end_of_time}).allow);
}

}  // namespace
}  // namespace oversight::policy

namespace oversight::policy {
namespace {

// Found by the evaluate fuzzer: a huge count was cast to an integer (undefined behaviour).
TEST(Case, HugeOrFractionalHistoryCountsAreRejected) {
  for (const char* count : {"1.1e70", "2.5", "-1"}) {
    auto v =
        ParseJsonc(std::string(R"({"request": {}, "facts": {"history": {"searches_in_case": )") +
                       count + "}}}",
                   "c");
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(ParseCase(*v, "c", {}).status().code(), StatusCode::kInvalidArgument) << count;
  }
}

TEST(Compile, HugeNumbersInWholeNumberPlacesAreErrorsNotCasts) {
  for (const char* rules : {
           R"([{"id": "o", "effect": "obligate", "message": "m", "citation": "c",
                "obligations": {"max_results": 1e300}}])",
           R"([{"id": "p", "effect": "permit", "message": "m", "citation": "c",
                "when": {"path": "principal.roles", "min_size": 1e300}}])"}) {
    EXPECT_EQ(CompilePack(testing::PackText(rules), "p.json").pack, nullptr) << rules;
  }
}

}  // namespace
}  // namespace oversight::policy
