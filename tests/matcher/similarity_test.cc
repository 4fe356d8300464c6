// The distance -> Similarity mapping: calibrated knots, monotone, and exactly invertible.
#include "oversight/matcher/similarity.h"

#include <gtest/gtest.h>

#include <cmath>

namespace oversight::matcher {
namespace {

TEST(SimilarityTest, KnotsAreTheCalibratedThresholds) {
  EXPECT_DOUBLE_EQ(DistanceToSimilarity(0), 100);
  EXPECT_DOUBLE_EQ(DistanceToSimilarity(kStrictDistance), 99);
  EXPECT_NEAR(DistanceToSimilarity(0.6), 80, 1e-12);  // face-api's default threshold
  EXPECT_DOUBLE_EQ(DistanceToSimilarity(kZeroDistance), 0);
  EXPECT_DOUBLE_EQ(DistanceToSimilarity(5), 0);
}

TEST(SimilarityTest, IsMonotoneDecreasingInDistance) {
  double previous = 101;
  for (double d = 0; d <= kZeroDistance; d += 0.001) {
    const double s = DistanceToSimilarity(d);
    EXPECT_LT(s, previous) << d;
    previous = s;
  }
}

TEST(SimilarityTest, SimilarityToDistanceInvertsTheMapping) {
  for (double s = 0.5; s <= 100; s += 0.5) {
    EXPECT_NEAR(DistanceToSimilarity(SimilarityToDistance(s)), s, 1e-9) << s;
  }
  EXPECT_NEAR(SimilarityToDistance(80), 0.6, 1e-12);
  EXPECT_DOUBLE_EQ(SimilarityToDistance(99), kStrictDistance);
}

TEST(SimilarityTest, NanNeverMatches) { EXPECT_EQ(DistanceToSimilarity(std::nan("")), 0); }

TEST(SimilarityTest, ThresholdsOutsideTheRangeClamp) {
  EXPECT_DOUBLE_EQ(SimilarityToDistance(150), 0);
  EXPECT_DOUBLE_EQ(SimilarityToDistance(-3), kZeroDistance);
}

}  // namespace
}  // namespace oversight::matcher
