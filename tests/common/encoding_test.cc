#include "oversight/common/encoding.h"

#include <gtest/gtest.h>

#include "oversight/common/hash.h"
#include "oversight/common/secret.h"
#include "oversight/common/time_format.h"

namespace oversight {
namespace {

TEST(Base64, RoundTripsEveryLengthModuloThree) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto decoded = Base64Decode(Base64Encode(AsBytes(s)));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(std::string(decoded->begin(), decoded->end()), s);
  }
  EXPECT_EQ(Base64Encode(AsBytes("foobar")), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode(AsBytes("fo")), "Zm8=");
}

TEST(Base64, RejectsBadCharactersPaddingAndNonCanonicalBits) {
  EXPECT_FALSE(Base64Decode("Zm9").ok());
  EXPECT_FALSE(Base64Decode("Zm9*").ok());
  EXPECT_FALSE(Base64Decode("Z===").ok());
  EXPECT_FALSE(Base64Decode("Zm9=Zm9v").ok());
  EXPECT_FALSE(Base64Decode("Zm9=").ok() && Base64Decode("Zm8=").ok() == false);
  EXPECT_FALSE(Base64Decode("Zm9=").ok());  // "fo" is Zm8=; Zm9= hides a set bit
}

TEST(Base64, RoundTripsLongInputsOfEveryByteValue) {
  std::string s;
  for (int n = 0; n < 600; ++n) {
    s += static_cast<char>(n * 37 % 256);
    auto decoded = Base64Decode(Base64Encode(AsBytes(s)));
    ASSERT_TRUE(decoded.ok()) << n;
    ASSERT_EQ(std::string(decoded->begin(), decoded->end()), s) << n;
  }
}

TEST(Base64, RejectsABadCharacterOrPaddingAnywhereInALongInput) {
  const std::string good = Base64Encode(AsBytes(std::string(3000, 'x')));
  for (std::size_t at : {std::size_t{0}, std::size_t{1}, std::size_t{2001}, good.size() - 5}) {
    for (char bad : {'*', '=', '\0', '\x80', ' '}) {
      std::string text = good;
      text[at] = bad;
      EXPECT_FALSE(Base64Decode(text).ok()) << at << " " << int(bad);
    }
  }
}

TEST(Hex, DecodesBothCasesAndRejectsOddOrNonHex) {
  auto b = HexDecode("00fFa1");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(HexEncode(*b), "00ffa1");
  EXPECT_FALSE(HexDecode("abc").ok());
  EXPECT_FALSE(HexDecode("zz").ok());
}

TEST(Sha256, MatchesTheFipsVector) {
  EXPECT_EQ(HexEncode(Sha256(std::string_view("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha256(std::string_view(""))),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HmacSha256, MatchesRfc4231Case2) {
  auto mac = HmacSha256(AsBytes("Jefe"), AsBytes("what do ya want for nothing?"));
  EXPECT_EQ(HexEncode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SecretBytes, ComparesByContent) {
  SecretBytes a(std::vector<std::uint8_t>{1, 2, 3});
  EXPECT_TRUE(a.Equals(std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_FALSE(a.Equals(std::vector<std::uint8_t>{1, 2, 4}));
  EXPECT_FALSE(a.Equals(std::vector<std::uint8_t>{1, 2}));
}

TEST(Rfc3339, FormatsUtcWithMilliseconds) {
  auto t = ParseRfc3339("2026-11-26T06:03:48.123456Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatRfc3339Millis(*t), "2026-11-26T06:03:48.123Z");
}

TEST(Rfc3339, AppliesOffsets) {
  auto t = ParseRfc3339("2026-11-26T08:03:48+02:00");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatRfc3339Millis(*t), "2026-11-26T06:03:48.000Z");
}

TEST(Rfc3339, RejectsYearsTheClockCannotHold) {
  EXPECT_FALSE(ParseRfc3339("2263-01-01T00:00:00Z").ok());
  EXPECT_FALSE(ParseRfc3339("9999-12-31T23:59:59Z").ok());
  EXPECT_FALSE(ParseRfc3339("0001-01-01T00:00:00Z").ok());
  EXPECT_TRUE(ParseRfc3339("2200-12-31T23:59:59Z").ok());
}

TEST(Rfc3339, RejectsMalformedTimestamps) {
  for (auto bad : {"2026-11-26", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                   "2026-11-26T06:03:48", "2026-11-26T06:03:48.Z", "2026-11-26T06:03:48Zjunk"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace oversight
