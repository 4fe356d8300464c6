#include "oversight/common/canonical_json.h"

#include <gtest/gtest.h>

namespace oversight {
namespace {

std::string Canon(std::string_view in) {
  auto out = CanonicalizeJson(in);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : "";
}

TEST(CanonicalJson, SortsMembersAndDropsWhitespace) {
  EXPECT_EQ(Canon(R"( { "b" : 1, "a" : [ true, null ] } )"), R"({"a":[true,null],"b":1})");
}

TEST(CanonicalJson, SortsMembersByUtf16CodeUnitsNotBytes) {
  // RFC 8785 §3.2.3: U+1F600 (surrogates D83D DE00) sorts before U+FB01 in UTF-16 order,
  // although its UTF-8 bytes (F0...) sort after EF AC 81.
  EXPECT_EQ(Canon("{\"\xEF\xAC\x81\":1,\"\xF0\x9F\x98\x80\":2}"),
            "{\"\xF0\x9F\x98\x80\":2,\"\xEF\xAC\x81\":1}");
}

TEST(CanonicalJson, FormatsNumbersLikeEcmaScript) {
  EXPECT_EQ(Canon("[1.0, -0.0, 1e21, 1e20, 0.000001, 1e-7, 123.456, -5E-324, 4.5e15]"),
            "[1,0,1e+21,100000000000000000000,0.000001,1e-7,123.456,-5e-324,4500000000000000]");
}

TEST(CanonicalJson, EscapesOnlyWhatJsonRequires) {
  EXPECT_EQ(Canon(R"(["\u0041\u00e9\/\b\f\n\r\t\u001f\u007f\"\\"])"),
            "[\"A\xC3\xA9/\\b\\f\\n\\r\\t\\u001f\x7f\\\"\\\\\"]");
}

TEST(CanonicalJson, RejectsDuplicateMemberNames) {
  auto out = CanonicalizeJson(R"({"a":1,"a":2})");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find("duplicate"), std::string::npos);
}

TEST(CanonicalJson, RejectsIntegersBeyondDoublePrecision) {
  EXPECT_TRUE(CanonicalizeJson("9007199254740992").ok());
  EXPECT_FALSE(CanonicalizeJson("9007199254740993").ok());
  EXPECT_FALSE(CanonicalizeJson("-9007199254740993").ok());
}

TEST(CanonicalJson, RejectsMalformedJsonWithItsPosition) {
  auto out = CanonicalizeJson(R"({"a": tru})");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("column"), std::string::npos) << out.status().message();
}

TEST(CanonicalJson, RejectsInvalidUtf8AndLoneSurrogates) {
  EXPECT_FALSE(CanonicalizeJson("\"\xC3\x28\"").ok());
  EXPECT_FALSE(CanonicalizeJson(R"("\ud800")").ok());
}

TEST(CanonicalJson, RejectsNestingDeeperThanTheLimit) {
  std::string deep(kMaxJsonDepth + 5, '[');
  deep += std::string(kMaxJsonDepth + 5, ']');
  auto out = CanonicalizeJson(deep);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("nesting"), std::string::npos);
}

TEST(CanonicalJson, RecognisesItsOwnOutputAsCanonical) {
  EXPECT_TRUE(IsCanonicalJson(R"({"a":1,"b":"x"})"));
  EXPECT_FALSE(IsCanonicalJson(R"({"b":1,"a":2})"));
  EXPECT_FALSE(IsCanonicalJson(R"({"a": 1})"));
}

TEST(JsonNestingDepth, CountsBracketsOutsideStringsOnly) {
  EXPECT_EQ(JsonNestingDepth(R"({"a":[{"b":[1]}]})"), 4);
  EXPECT_EQ(JsonNestingDepth(R"({"a":"[[[{{{"})"), 1);
  EXPECT_EQ(JsonNestingDepth(R"({"a":"\"[[[","b":[2]})"), 2);  // escaped quote stays inside
  EXPECT_EQ(JsonNestingDepth(R"({"a":"\\","b":[[3]]})"), 3);   // escaped backslash ends it
  EXPECT_EQ(JsonNestingDepth(R"({"a":"unterminated [[[)"), 1);
}

TEST(JsonStringEnd, FindsTheFirstUnescapedQuote) {
  EXPECT_EQ(JsonStringEnd(R"("abc")", 0), 4u);
  EXPECT_EQ(JsonStringEnd(R"("a\"c")", 0), 5u);
  EXPECT_EQ(JsonStringEnd(R"("a\\"c")", 0), 4u);
  EXPECT_EQ(JsonStringEnd(R"(x"")", 1), 2u);
  EXPECT_EQ(JsonStringEnd(R"("abc)", 0), std::string_view::npos);
}

}  // namespace
}  // namespace oversight
