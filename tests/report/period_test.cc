// --from / --to: RFC 3339 or dates, in the ledger's own time format.
#include "oversight/report/period.h"

#include <gtest/gtest.h>

namespace oversight::report {
namespace {

TEST(PeriodTest, ADateToBoundIncludesTheWholeDay) {
  auto p = ParsePeriod("2026-01-01", "2026-03-31");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->from, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(p->to, "2026-04-01T00:00:00.000Z");
  EXPECT_TRUE(p->Contains("2026-03-31T23:59:59.999Z"));
  EXPECT_FALSE(p->Contains("2026-04-01T00:00:00.000Z"));
  EXPECT_FALSE(p->Contains("2025-12-31T23:59:59.999Z"));
}

TEST(PeriodTest, TimestampsWithOffsetsAreConvertedToUtc) {
  auto p = ParsePeriod("2026-03-01T08:00:00-08:00", "");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->from, "2026-03-01T16:00:00.000Z");
  EXPECT_TRUE(p->to.empty());
  EXPECT_TRUE(p->Contains("2030-01-01T00:00:00.000Z"));
}

TEST(PeriodTest, ABadDateIsAnErrorNamingTheFlag) {
  auto p = ParsePeriod("2026-13-45", "");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("--from"), std::string::npos);
  EXPECT_FALSE(ParsePeriod("", "yesterday").ok());
}

TEST(PeriodTest, AnEmptyOrBackwardsPeriodIsRefused) {
  EXPECT_FALSE(ParsePeriod("2026-03-02", "2026-03-01").ok());
  EXPECT_FALSE(ParsePeriod("2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z").ok());
}

}  // namespace
}  // namespace oversight::report
