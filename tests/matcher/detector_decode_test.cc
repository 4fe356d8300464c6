// Decoding of the detector grid and the overlap suppression.
#include "detector_decode.h"

#include <gtest/gtest.h>

#include <cmath>

namespace oversight::matcher::internal {
namespace {

constexpr int kGrid = 2;
constexpr int kInput = 64;

double Logit(double p) { return std::log(p / (1 - p)); }

// A [1,25,2,2] output with every score low except anchor `a` of cell (row, col).
std::vector<float> Grid(int row, int col, int a, double score, double tx = 0, double ty = 0,
                        double tw = 0, double th = 0) {
  std::vector<float> g(25 * kGrid * kGrid, static_cast<float>(Logit(0.01)));
  auto set = [&](int ch, double v) { g[(ch * kGrid + row) * kGrid + col] = static_cast<float>(v); };
  set(a * 5 + 0, tx);
  set(a * 5 + 1, ty);
  set(a * 5 + 2, tw);
  set(a * 5 + 3, th);
  set(a * 5 + 4, Logit(score));
  return g;
}

TEST(DetectorDecodeTest, DecodesCentreAndAnchorSizeOnASquareImage) {
  // Cell (1,0), sigmoid(0)=0.5: centre (0.25, 0.75) of the image; anchor 0 size / grid.
  auto dets = DecodeDetections(Grid(1, 0, 0, 0.9), kGrid, kInput, 200, 200, 0.5);
  ASSERT_EQ(dets.size(), 1u);
  EXPECT_NEAR(dets[0].score, 0.9, 1e-6);
  const double w = 1.603231 / kGrid * 200, h = 2.094468 / kGrid * 200;
  EXPECT_NEAR(dets[0].box.width, w, 1e-4);
  EXPECT_NEAR(dets[0].box.height, h, 1e-4);
  EXPECT_NEAR(dets[0].box.left + w / 2, 50, 1e-4);
  EXPECT_NEAR(dets[0].box.top + h / 2, 150, 1e-4);
}

TEST(DetectorDecodeTest, UndoesBottomRightPaddingOfAWideImage) {
  // 200x100 is padded to 200x200: a centre at 0.25 of the square is at 0.5 of the height.
  auto dets = DecodeDetections(Grid(0, 0, 2, 0.8), kGrid, kInput, 200, 100, 0.5);
  ASSERT_EQ(dets.size(), 1u);
  EXPECT_NEAR(dets[0].box.top + dets[0].box.height / 2, 50, 1e-3);
  EXPECT_NEAR(dets[0].box.left + dets[0].box.width / 2, 50, 1e-3);
}

TEST(DetectorDecodeTest, DropsScoresAtOrBelowThreshold) {
  EXPECT_TRUE(DecodeDetections(Grid(0, 0, 0, 0.5), kGrid, kInput, 64, 64, 0.5).empty());
  EXPECT_EQ(DecodeDetections(Grid(0, 0, 0, 0.51), kGrid, kInput, 64, 64, 0.5).size(), 1u);
}

TEST(DetectorDecodeTest, SuppressionKeepsTheBestOfOverlappingBoxes) {
  std::vector<Detection> d = {
      {{0, 0, 10, 10}, 0.6}, {{1, 1, 10, 10}, 0.9}, {{50, 50, 10, 10}, 0.7}};
  auto kept = SuppressOverlaps(d, 0.4, 0.6);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_DOUBLE_EQ(kept[0].score, 0.9);
  EXPECT_DOUBLE_EQ(kept[1].score, 0.7);
}

TEST(DetectorDecodeTest, SuppressionDropsASmallBoxNestedInABiggerOne) {
  // IoU is only 0.16, but the small box lies entirely inside the big one.
  std::vector<Detection> d = {{{0, 0, 100, 100}, 0.9}, {{10, 10, 40, 40}, 0.6}};
  EXPECT_EQ(SuppressOverlaps(d, 0.4, 0.6).size(), 1u);
  EXPECT_EQ(SuppressOverlaps(d, 0.4, 1.0).size(), 2u);  // face-api's behaviour
}

TEST(DetectorDecodeTest, SuppressionDropsABoxStraddlingTwoFaces) {
  // Two faces side by side and a weaker box over the right half of one and the left of the
  // other: IoU only 0.33 and 0.25, but 90% of it is covered.
  std::vector<Detection> d = {
      {{0, 0, 100, 100}, 0.9}, {{110, 0, 100, 100}, 0.8}, {{50, 0, 100, 100}, 0.5}};
  EXPECT_EQ(SuppressOverlaps(d, 0.4, 0.6).size(), 2u);
  EXPECT_EQ(SuppressOverlaps(d, 0.4, 1.0).size(), 3u);
}

TEST(DetectorDecodeTest, IouOfDisjointAndIdenticalBoxes) {
  EXPECT_DOUBLE_EQ(IntersectionOverUnion({0, 0, 1, 1}, {2, 2, 1, 1}), 0);
  EXPECT_DOUBLE_EQ(IntersectionOverUnion({0, 0, 3, 2}, {0, 0, 3, 2}), 1);
}

}  // namespace
}  // namespace oversight::matcher::internal
