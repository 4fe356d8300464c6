// The fast canonical-form check must agree exactly with canonicalise-and-compare.
#include <gtest/gtest.h>

#include <random>

#include "oversight/common/canonical_json.h"

namespace oversight {
namespace {

bool SlowIsCanonical(std::string_view s) {
  auto canon = CanonicalizeJson(s);
  return canon.ok() && *canon == s;
}

TEST(CanonicalCheck, AgreesWithCanonicaliseAndCompareOnTrickyInputs) {
  const char* cases[] = {
      R"({"a":1,"b":2})", R"({"b":1,"a":2})", R"({"a":1,"a":1})", R"({ "a":1})", R"([1, 2])",
      R"([1.0])", R"([1])", R"([100])", R"([1e2])", R"([-0])", R"([0])", R"([01])", R"([0.1])",
      R"([1e+21])", R"([1e21])", R"([1E+21])", R"([5e-324])", R"([1e-7])", R"([0.0000001])",
      R"([9007199254740992])", R"([9007199254740993])", R"([-1])", R"([+1])", R"([1.])",
      R"(["\u0041"])", R"(["\/"])", R"(["\u001f"])", R"(["\u001F"])", R"(["\u000a"])",
      R"(["\n"])", R"(["\u007f"])", "[\"\x7f\"]", R"(["\"\\"])", "[\"\xC3\xA9\"]",
      "[\"\xC0\x80\"]", "[\"\xED\xA0\x80\"]", "[\"\xF5\x80\x80\x80\"]", "[\"\xE2\x82\"]",
      "[\"\t\"]", R"(true)", R"(tru)", R"(null )", R"({"a":{}})", R"({"a":[]})", R"({})",
      R"([])", R"({"":0,"a":0})", R"({"a":0,"":0})", "{\"\xEF\xAC\x81\":1,\"\xF0\x9F\x98\x80\":2}",
      "{\"\xF0\x9F\x98\x80\":2,\"\xEF\xAC\x81\":1}", R"({"\n":1,"a":2})", R"({"a":2,"\n":1})",
      R"({"a":1}x)", R"("x")", R"(1)", "", R"([1,])", R"({"a"1})", R"([123.456])",
      R"([123.4560])", R"([-5e-324])", R"([1e400])", R"([4.5e15])", R"([4500000000000000])"};
  for (const char* c : cases) {
    EXPECT_EQ(CheckCanonicalJson(c), SlowIsCanonical(c)) << c;
  }
}

TEST(CanonicalCheck, AcceptsEveryCanonicalisedRandomDocument) {
  std::mt19937 rng(7);
  const char* atoms[] = {"1", "-2.5", "1e30", "\"x\"", "\"\\u00e9\\n\"", "true", "null", "0.001"};
  for (int i = 0; i < 500; ++i) {
    std::string doc = "{";
    int n = static_cast<int>(rng() % 6);
    for (int k = 0; k < n; ++k) {
      if (k) doc += ",";
      doc += "\"k" + std::to_string(rng() % 50) + "_" + std::to_string(k) + "\":";
      doc += rng() % 3 == 0 ? "[" + std::string(atoms[rng() % 8]) + "]" : atoms[rng() % 8];
    }
    doc += "}";
    auto canon = CanonicalizeJson(doc);
    ASSERT_TRUE(canon.ok()) << doc;
    EXPECT_TRUE(CheckCanonicalJson(*canon)) << *canon;
  }
}

TEST(CanonicalCheck, ReportsTopLevelMembersAsRawViews) {
  JsonMembers m;
  ASSERT_TRUE(CheckCanonicalJson(R"({"a":{"x":[1,2]},"b":"s"})", &m));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].first, "a");
  EXPECT_EQ(m[0].second, R"({"x":[1,2]})");
  EXPECT_EQ(m[1].second, R"("s")");
}

TEST(CanonicalCheck, RejectsNestingDeeperThanTheLimit) {
  std::string deep(kMaxJsonDepth + 1, '[');
  deep += std::string(kMaxJsonDepth + 1, ']');
  EXPECT_FALSE(CheckCanonicalJson(deep));
}

}  // namespace
}  // namespace oversight
