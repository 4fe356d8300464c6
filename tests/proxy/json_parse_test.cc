// ParseJsonObject must give exactly nlohmann's tree (or refuse exactly when nlohmann refuses),
// whether or not it lifted long strings out before parsing.
#include "json_parse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace oversight::proxy {
namespace {

using Json = nlohmann::json;

std::string Base64Like(std::size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s(n, 'A');
  for (std::size_t i = 0; i < n; ++i) s[i] = kAlphabet[(i * 7 + i / 64) % 64];
  return s;
}

void ExpectSameAsNlohmann(const std::string& text) {
  Json expected = Json::parse(text, nullptr, false);
  auto got = ParseJsonObject(text);
  if (expected.is_discarded() || !expected.is_object()) {
    EXPECT_FALSE(got.has_value()) << text.substr(0, 200);
  } else {
    ASSERT_TRUE(got.has_value()) << text.substr(0, 200);
    EXPECT_EQ(*got, expected);
  }
}

TEST(ParseJsonObject, RestoresLongBase64ImagesExactly) {
  const std::string image = Base64Like(200'000);
  auto j = ParseJsonObject(R"({"CollectionId":"booking","Image":{"Bytes":")" + image +
                           R"("},"MaxFaces":5})");
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ((*j)["Image"]["Bytes"], image);
  EXPECT_EQ((*j)["CollectionId"], "booking");
  EXPECT_EQ((*j)["MaxFaces"], 5);
}

TEST(ParseJsonObject, GivesNlohmannsTreeForLongStringsInEveryPosition) {
  const std::string big = Base64Like(5000);
  ExpectSameAsNlohmann(R"({"a":")" + big + R"(","b":[")" + big + R"(",")" + big + R"("]})");
  ExpectSameAsNlohmann(R"({")" + big + R"(":")" + big + R"("})");               // a long key
  ExpectSameAsNlohmann(R"({"a" : ")" + big + "\"\n , \"b\":\"" + big + "\"}");  // whitespace
  ExpectSameAsNlohmann(R"({"a":")" + big + R"(\"q\\"})");   // escapes: not lifted
  ExpectSameAsNlohmann("{\"a\":\"" + big + "\xc3\xa9\"}");  // UTF-8: not lifted
  ExpectSameAsNlohmann(R"({"a":"short","b":")" + big + R"("})");
}

TEST(ParseJsonObject, RefusesWhatNlohmannRefusesAroundLongStrings) {
  const std::string big = Base64Like(5000);
  ExpectSameAsNlohmann(R"({"a":")" + big);                     // unterminated
  ExpectSameAsNlohmann(R"({"a":")" + big + R"(" "b":1})");     // missing comma
  ExpectSameAsNlohmann(R"({"a":")" + big + "\x01" + R"("})");  // raw control byte
  ExpectSameAsNlohmann(R"([")" + big + R"("])");               // not an object
  ExpectSameAsNlohmann(R"({"a":")" + big + R"("}trailing)");   // trailing text
  ExpectSameAsNlohmann(R"({"a":")" + big + R"(", "b": "\u0001x"})");
}

TEST(ParseJsonObject, GivesNlohmannsTreeWhicheverOddByteSitsAnywhereInALongString) {
  // The plain-text check works 16 bytes at a time with a byte-wise tail: put each kind of byte
  // it must notice (or let through) at every offset of a block and across the tail.
  const std::string big = Base64Like(1100);
  const char odd[] = {'\x01', '\x1f', ' ', '~', '\x7f', '\x80', '\xff', '\\', '"'};
  std::vector<std::size_t> positions;
  for (std::size_t p = 0; p < 34; ++p) positions.push_back(p);
  for (std::size_t p = big.size() - 20; p < big.size(); ++p) positions.push_back(p);
  for (char c : odd) {
    for (std::size_t p : positions) {
      std::string s = big;
      s[p] = c;
      ExpectSameAsNlohmann(R"({"a":")" + s + R"(","b":1})");
    }
  }
}

TEST(ParseJsonObject, KeepsAStringSpellingTheStandInMarkAsWritten) {
  // "\u0001" in the input disables lifting, so a client string can never pose as a stand-in.
  const std::string big = Base64Like(5000);
  auto j = ParseJsonObject(R"({"a":"\u00010","b":")" + big + R"("})");
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ((*j)["a"], std::string("\x01") + "0");
  EXPECT_EQ((*j)["b"], big);
}

TEST(ParseJsonObject, RefusesNestingDeeperThanTheBound) {
  EXPECT_FALSE(ParseJsonObject(std::string(100, '[') + std::string(100, ']')).has_value());
  EXPECT_FALSE(
      ParseJsonObject("{\"a\":" + std::string(70, '[') + std::string(70, ']') + "}").has_value());
  EXPECT_TRUE(ParseJsonObject(R"({"a":[[[1]]]})").has_value());
}

}  // namespace
}  // namespace oversight::proxy
