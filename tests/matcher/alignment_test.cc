// Landmark mapping and the dlib-style crop, checked against hand-computed values.
#include "alignment.h"

#include <gtest/gtest.h>

#include <cmath>

namespace oversight::matcher::internal {
namespace {

TEST(AlignmentTest, ClipAndFloorClipsToTheImageThenFloors) {
  const PixelRect r = ClipAndFloor({-5.5, 10.7, 50.9, 200.2}, 40, 100);
  EXPECT_EQ(r.x, 0);
  EXPECT_EQ(r.y, 10);
  EXPECT_EQ(r.width, 40);   // min(45.4, 40)
  EXPECT_EQ(r.height, 89);  // min(200.2, 89.3) floored
  EXPECT_TRUE(ClipAndFloor({200, 200, 10, 10}, 100, 100).empty());
}

TEST(AlignmentTest, NonFiniteBoxClipsToEmpty) {
  EXPECT_TRUE(ClipAndFloor({std::nan(""), 0, 10, 10}, 100, 100).empty());
  EXPECT_TRUE(ClipAndFloor({0, 0, INFINITY, 10}, 100, 100).empty());
}

TEST(AlignmentTest, LandmarksOfASquareCropScaleAndShiftByTheUnflooredBox) {
  std::vector<float> out(136, 0.5f);  // every point at the centre of the 112 square
  const auto pts = LandmarksToImage(out, PixelRect{10, 20, 80, 80}, Box{10.6, 20.4, 80, 80});
  EXPECT_DOUBLE_EQ(pts[0].x, 40 + 10.6);
  EXPECT_DOUBLE_EQ(pts[67].y, 40 + 20.4);
}

TEST(AlignmentTest, LandmarksOfATallCropUndoTheHorizontalPadding) {
  // 50x100 crop: scaled to 56x112, padded by 28 on each side; x=0.25 is the crop's left edge.
  std::vector<float> out(136, 0.25f);
  const auto pts = LandmarksToImage(out, PixelRect{0, 0, 50, 100}, Box{0, 0, 50, 100});
  EXPECT_NEAR(pts[0].x, 0, 1e-9);
  EXPECT_NEAR(pts[0].y, 25, 1e-9);
}

TEST(AlignmentTest, DlibSquareFollowsEyesAndMouth) {
  std::array<Point, 68> pts{};
  for (int i = 36; i <= 41; ++i) pts[i] = {100, 100};  // left eye centre
  for (int i = 42; i <= 47; ++i) pts[i] = {140, 100};  // right eye centre
  for (int i = 48; i <= 67; ++i) pts[i] = {120, 145};  // mouth centre
  const Box b = DlibAlignedSquare(pts);
  // eye-mouth distance sqrt(20^2 + 45^2) = 49.24; size = floor(49.24 / 0.45) = 109.
  EXPECT_DOUBLE_EQ(b.width, 109);
  EXPECT_DOUBLE_EQ(b.height, 109);
  // ref = (120, 115): x = floor(120 - 54.5) = 65, y = floor(115 - 46.87) = 68.
  EXPECT_DOUBLE_EQ(b.left, 65);
  EXPECT_DOUBLE_EQ(b.top, 68);
}

}  // namespace
}  // namespace oversight::matcher::internal
