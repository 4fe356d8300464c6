#include "oversight/policy/jsonc.h"

#include <gtest/gtest.h>

namespace oversight::policy {
namespace {

TEST(Jsonc, RecordsLineAndColumnOfEveryValue) {
  auto v = ParseJsonc("{\n  \"a\": [1,\n    \"x\"]\n}", "f.json");
  ASSERT_TRUE(v.ok());
  const JsonValue* a = v->Find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->pos.line, 2u);
  EXPECT_EQ(a->pos.column, 8u);
  EXPECT_EQ(a->items[1].pos.line, 3u);
  EXPECT_EQ(a->items[1].pos.column, 5u);
  EXPECT_EQ(v->members[0].key_pos.column, 3u);
}

TEST(Jsonc, AcceptsLineAndBlockComments) {
  auto v = ParseJsonc("// header\n{ /* inline */ \"a\": 1 // trailing\n}", "f.json");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->Find("a")->number, 1);
}

TEST(Jsonc, ErrorNamesFileLineAndColumn) {
  auto v = ParseJsonc("{\n  \"a\": tru\n}", "rules/x.json");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(v.status().message().rfind("rules/x.json:2:8:", 0), 0u) << v.status().message();
}

TEST(Jsonc, ReportsPositionSeparatelyWhenAsked) {
  JsonError e;
  auto v = ParseJsonc("[1, 2,]", "f", {}, &e);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(e.pos.line, 1u);
  EXPECT_EQ(e.pos.column, 7u);
}

TEST(Jsonc, RejectsDuplicateMembers) {
  auto v = ParseJsonc(R"({"a": 1, "a": 2})", "f");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("duplicate member \"a\""), std::string::npos);
}

TEST(Jsonc, RejectsNestingBeyondTheDepthLimit) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_FALSE(ParseJsonc(deep, "f").ok());
  JsonLimits generous;
  generous.max_depth = 200;
  EXPECT_TRUE(ParseJsonc(deep, "f", generous).ok());
}

TEST(Jsonc, RejectsInputLargerThanTheSizeLimit) {
  JsonLimits tiny;
  tiny.max_bytes = 8;
  auto v = ParseJsonc(R"({"abc": 12345})", "f", tiny);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kResourceExhausted);
}

TEST(Jsonc, DecodesEscapesAndSurrogatePairs) {
  auto v = ParseJsonc(R"(["a\"b\\\n", "\u00e9", "\ud83d\ude00"])", "f");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->items[0].text, "a\"b\\\n");
  EXPECT_EQ(v->items[1].text, "\xC3\xA9");
  EXPECT_EQ(v->items[2].text, "\xF0\x9F\x98\x80");
}

TEST(Jsonc, RejectsLoneSurrogatesAndInvalidUtf8) {
  EXPECT_FALSE(ParseJsonc(R"(["\ud83d"])", "f").ok());
  EXPECT_FALSE(ParseJsonc("[\"\xC3\"]", "f").ok());
  EXPECT_FALSE(ParseJsonc("[\"\xFF\"]", "f").ok());
}

TEST(Jsonc, RejectsMalformedNumbersAndTrailingGarbage) {
  EXPECT_FALSE(ParseJsonc("[01]", "f").ok());
  EXPECT_FALSE(ParseJsonc("[1.]", "f").ok());
  EXPECT_FALSE(ParseJsonc("[1e]", "f").ok());
  EXPECT_FALSE(ParseJsonc("[1e999]", "f").ok());
  EXPECT_FALSE(ParseJsonc("{} x", "f").ok());
  EXPECT_FALSE(ParseJsonc("/* open", "f").ok());
}

TEST(Jsonc, ToJsonTextDropsCommentsAndKeepsNumbersAsWritten) {
  auto v = ParseJsonc("{ // c\n \"n\": 1.50, \"s\": \"x\" }", "f");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(ToJsonText(*v), R"({"n":1.50,"s":"x"})");
}

}  // namespace
}  // namespace oversight::policy
