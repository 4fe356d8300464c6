#include "oversight/ledger/entry.h"

#include <gtest/gtest.h>

namespace oversight::ledger {
namespace {

const std::string kPrev(64, '0');

std::string Bytes(const std::string& extra_before_v, const std::string& v = "1") {
  return R"({"kind":"k","payload":{"a":1},"prev":")" + kPrev +
         R"(","seq":3,"time":"2026-11-26T06:14:31.122Z",)" + extra_before_v + R"("v":)" + v +
         "}";
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

TEST(Entry, CanonicalPayloadRequiresAnObject) {
  EXPECT_EQ(*CanonicalPayload(R"({ "b":1, "a":2 })"), R"({"a":2,"b":1})");
  EXPECT_EQ(CanonicalPayload("[1]").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace oversight::ledger
