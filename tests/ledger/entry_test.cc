#include "oversight/ledger/entry.h"

#include <gtest/gtest.h>

#include "oversight/common/canonical_json.h"

namespace oversight::ledger {
namespace {

const std::string kPrev(64, '0');

std::string Bytes(const std::string& extra_before_v, const std::string& v = "1") {
  return R"({"kind":"k","payload":{"a":1},"prev":")" + kPrev +
         R"(","seq":3,"time":"2026-11-26T06:14:31.122Z",)" + extra_before_v + R"("v":)" + v + "}";
}

TEST(Entry, EncodeThenDecodeRoundTrips) {
  Entry e{7, "2026-11-26T06:14:31.122Z", "search.decision", R"({"x":[1,"y"]})", {}};
  e.prev[0] = 0xab;
  auto d = DecodeEntry(EncodeEntry(e));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->seq, 7u);
  EXPECT_EQ(d->kind, e.kind);
  EXPECT_EQ(d->payload, e.payload);
  EXPECT_EQ(d->time, e.time);
  EXPECT_EQ(d->prev, e.prev);
}

TEST(Entry, DecodeAcceptsTheSpecifiedForm) { EXPECT_TRUE(DecodeEntry(Bytes("")).ok()); }

TEST(Entry, DecodeRejectsUnknownFieldsAndVersions) {
  auto extra = DecodeEntry(Bytes(R"("u":0,)"));
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.status().code(), StatusCode::kCorruption);
  auto v2 = DecodeEntry(Bytes("", "2"));
  ASSERT_FALSE(v2.ok());
  EXPECT_NE(v2.status().message().find("version"), std::string::npos);
}

TEST(Entry, DecodeRejectsMalformedFields) {
  std::string upper_prev = Bytes("");
  upper_prev.replace(upper_prev.find(kPrev), 1, "A");
  EXPECT_FALSE(DecodeEntry(upper_prev).ok());
  std::string bad_time = Bytes("");
  bad_time.replace(bad_time.find("2026-11-26T06"), 13, "2026-13-26T06");
  EXPECT_FALSE(DecodeEntry(bad_time).ok());
  std::string neg_seq = Bytes("");
  neg_seq.replace(neg_seq.find("\"seq\":3"), 7, "\"seq\":-3");
  EXPECT_FALSE(DecodeEntry(neg_seq).ok());
  EXPECT_FALSE(DecodeEntry("not json").ok());
  EXPECT_FALSE(DecodeEntry("[]").ok());
}

// Every entry DecodeEntryView accepts must be canonical and re-encode to the same bytes, and
// it must accept exactly the canonical ones among these: single-byte changes anywhere in an
// entry, which reach both its fast path for well-laid-out entries and the full check.
TEST(Entry, DecodeAcceptsExactlyTheCanonicalEntriesAmongSingleByteChanges) {
  Entry e{12345,
          "2026-11-26T06:14:31.122Z",
          "search.decision",
          R"({"a":[1,2.5,"x\n"],"b":{"c":null,"d":true},"é":-7})",
          {}};
  e.prev[5] = 0xc4;
  const std::string good = EncodeEntry(e);
  ASSERT_TRUE(DecodeEntryView(good).ok());
  const std::string replacements = std::string("09af\"\\ {}[],:.-eEZTx\x01\x7f") + "\xc3\xa9";
  int accepted = 0;
  for (std::size_t pos = 0; pos < good.size(); ++pos) {
    for (char c : replacements) {
      std::string bytes = good;
      bytes[pos] = c;
      auto d = DecodeEntryView(bytes);
      if (!d.ok()) continue;
      ++accepted;
      ASSERT_TRUE(IsCanonicalJson(bytes)) << bytes;
      Entry back{d->seq, std::string(d->time), std::string(d->kind), std::string(d->payload),
                 d->prev};
      ASSERT_EQ(EncodeEntry(back), bytes);
    }
  }
  EXPECT_GT(accepted, 100);  // changed digits, hex and letters in strings stay valid entries
}

TEST(Entry, DecodeAcceptsPayloadsUpToTheCanonicalDepthLimit) {
  for (int depth = 55; depth <= 66; ++depth) {
    for (const char* inner : {"", "1"}) {
      std::string payload =
          "{\"a\":" + std::string(depth, '[') + inner + std::string(depth, ']') + "}";
      Entry e{1, "2026-11-26T06:14:31.122Z", "k", payload, {}};
      const std::string bytes = EncodeEntry(e);
      EXPECT_EQ(DecodeEntryView(bytes).ok(), IsCanonicalJson(bytes)) << depth << inner;
    }
  }
}

TEST(Entry, DecodeRejectsNonCanonicalSeqsAndPayloads) {
  std::string fraction = Bytes("");
  fraction.replace(fraction.find("\"seq\":3"), 7, "\"seq\":3.0");
  EXPECT_EQ(DecodeEntry(fraction).status().message(), "entry is not in canonical form");
  std::string leading_zero = Bytes("");
  leading_zero.replace(leading_zero.find("\"seq\":3"), 7, "\"seq\":03");
  EXPECT_EQ(DecodeEntry(leading_zero).status().message(), "entry is not valid JSON");
  std::string spaced = Bytes("");
  spaced.replace(spaced.find("{\"a\":1}"), 7, "{\"a\": 1}");
  EXPECT_EQ(DecodeEntry(spaced).status().message(), "entry is not in canonical form");
}

TEST(Entry, CanonicalPayloadRequiresAnObject) {
  EXPECT_EQ(*CanonicalPayload(R"({ "b":1, "a":2 })"), R"({"a":2,"b":1})");
  EXPECT_EQ(CanonicalPayload("[1]").status().code(), StatusCode::kInvalidArgument);
}

// Already canonical payloads skip the full parse; the result must not depend on that.
TEST(Entry, CanonicalPayloadOfCanonicalInputEqualsTheFullCanonicalisation) {
  for (std::string_view text :
       {R"({"a":1})", R"({})", R"({"b":[1,{"c":"\u001f"}],"a":1e+21})", R"({"n":9007199254740992})",
        R"({"n":9007199254740994})", R"({"n":-9007199254740994})", R"({"n":10000000000000000000})",
        R"({"s":"12345678901234567890"})", R"({"a":1,"a":2})", R"({"\u00e9":1,"z":2})",
        R"({"z":2,"é":1})", R"({"x":-0})", R"([1])", R"("s")"}) {
    auto fast = CanonicalPayload(text);
    auto full = CanonicalizeJson(text);
    if (full.ok() && !full->empty() && (*full)[0] == '{') {
      ASSERT_TRUE(fast.ok()) << text;
      EXPECT_EQ(*fast, *full) << text;
    } else {
      ASSERT_FALSE(fast.ok()) << text;
      if (!full.ok()) {
        EXPECT_EQ(fast.status().message(), full.status().message()) << text;
      }
    }
  }
}

}  // namespace
}  // namespace oversight::ledger
