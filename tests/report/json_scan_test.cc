// The replay's member scanner: finds what the proxy wrote, and never reads past the end of
// malformed bytes (an unverified source may hold anything that still decodes as an entry).
#include "json_scan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace oversight::report::internal {
namespace {

constexpr char kPayload[] =
    R"({"decision":{"allow":false,"reasons":["forbidden by r: \"quoted\" {brace} [x]"],)"
    R"("stage":"policy"},"document":{"a":[1,{"b":"}"}]},"operation":"SearchFaces",)"
    R"("outcome":{"http_status":200,"matches":[{"face_id":"f1"},{"face_id":"f\"2"}]}})";

TEST(JsonScan, FindsTopLevelMembersSkippingNestedStringsAndBrackets) {
  EXPECT_EQ(MemberValue(kPayload, "operation"), std::optional<std::string_view>("\"SearchFaces\""));
  EXPECT_EQ(MemberValue(kPayload, "document"),
            std::optional<std::string_view>(R"({"a":[1,{"b":"}"}]})"));
  EXPECT_EQ(MemberValue(*MemberValue(kPayload, "decision"), "stage"),
            std::optional<std::string_view>("\"policy\""));
  EXPECT_FALSE(MemberValue(kPayload, "allow").has_value());  // nested, not top level
  EXPECT_FALSE(MemberValue(kPayload, "missing").has_value());
}

TEST(JsonScan, ReadsArrayItemsAndDecodesEscapedStrings) {
  std::vector<std::string> ids;
  const auto matches = MemberValue(*MemberValue(kPayload, "outcome"), "matches");
  ASSERT_TRUE(matches.has_value());
  EXPECT_TRUE(ForEachItem(*matches, [&](std::string_view item) {
    ids.push_back(StringValue(*MemberValue(item, "face_id")).value_or("?"));
  }));
  EXPECT_EQ(ids, (std::vector<std::string>{"f1", "f\"2"}));
  EXPECT_FALSE(StringValue("42").has_value());
}

TEST(JsonScan, EveryTruncationOfAPayloadIsNotFoundRatherThanAnOverread) {
  const std::string payload = kPayload;
  for (std::size_t n = 0; n < payload.size(); ++n) {
    const std::string cut = payload.substr(0, n);  // its own allocation: ASan sees overreads
    EXPECT_FALSE(MemberValue(cut, "outcome").has_value()) << n;
    (void)MemberValue(cut, "document");
    (void)ForEachItem(cut, [](std::string_view) {});
  }
  EXPECT_FALSE(MemberValue(R"({"a":"\\)", "b").has_value());
  EXPECT_FALSE(MemberValue(R"({"a" 1})", "a").has_value());
}

}  // namespace
}  // namespace oversight::report::internal
