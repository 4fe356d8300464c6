#include "oversight/common/encoding.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

// The decoder's vector path works on 32 characters at a time across two 128-bit lanes: every
// byte value at every position of a block must be judged and decoded as one character at a
// time would (an independent decoder written from RFC 4648's table).
int AlphabetIndex(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::vector<std::uint8_t> DecodeOneAtATime(std::string_view text) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 4 <= text.size(); i += 4) {
    std::uint32_t v = 0;
    for (std::size_t j = 0; j < 4; ++j) v = v << 6 | AlphabetIndex(text[i + j]);
    out.insert(out.end(), {static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
                           static_cast<std::uint8_t>(v)});
  }
  return out;
}

TEST(Base64, JudgesAndDecodesEveryByteValueAtEveryPositionOfAVectorBlock) {
  std::string bytes;
  for (int i = 0; i < 96; ++i) bytes += static_cast<char>(i * 89 % 256);
  const std::string good = Base64Encode(AsBytes(bytes));  // 128 characters, no padding
  for (std::size_t at = 0; at < 96; ++at) {
    for (int c = 0; c < 256; ++c) {
      std::string text = good;
      text[at] = static_cast<char>(c);
      auto decoded = Base64Decode(text);
      ASSERT_EQ(decoded.ok(), AlphabetIndex(static_cast<unsigned char>(c)) >= 0) << at << " " << c;
      if (decoded.ok()) {
        ASSERT_EQ(*decoded, DecodeOneAtATime(text)) << at << " " << c;
      }
    }
  }
}

TEST(Sha256OfBase64, EqualsTheHashOfTheDecodedBytesAcrossPieceBoundaries) {
  for (std::size_t n : {0, 1, 2, 3, 12287, 12288, 12289, 24576, 24577, 100000}) {
    std::string bytes(n, '\0');
    for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<char>(i * 131 % 251);
    const std::string text = Base64Encode(AsBytes(bytes));
    std::size_t size = 0;
    auto digest = Sha256OfBase64(text, &size);
    ASSERT_TRUE(digest.ok()) << n;
    EXPECT_EQ(*digest, Sha256(bytes)) << n;
    EXPECT_EQ(size, n);
  }
}

TEST(Sha256OfBase64, RejectsWhatBase64DecodeRejectsIncludingPaddingAtAPieceEnd) {
  // 12,286 bytes encode to exactly one 16 KiB piece ending in "==": valid alone, not mid-text.
  const std::string padded = Base64Encode(AsBytes(std::string(12286, 'p')));
  ASSERT_EQ(padded.size(), 16384u);
  EXPECT_TRUE(Sha256OfBase64(padded, nullptr).ok());
  for (const std::string& text : {padded + "Zm9v", std::string("Zm9"), std::string("Zm9=")}) {
    EXPECT_FALSE(Base64Decode(text).ok());
    EXPECT_FALSE(Sha256OfBase64(text, nullptr).ok()) << text.substr(0, 8);
  }
  std::string bad = Base64Encode(AsBytes(std::string(30000, 'q')));
  bad[20001] = '*';
  EXPECT_FALSE(Sha256OfBase64(bad, nullptr).ok());
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
