#include "alignment.h"

#include <algorithm>
#include <cmath>

namespace oversight::matcher::internal {
namespace {

double Distance(const Point& a, const Point& b) { return std::hypot(a.x - b.x, a.y - b.y); }

}  // namespace

PixelRect ClipAndFloor(const Box& box, int image_width, int image_height) {
  // A NaN from a degenerate net output must not reach the int casts below (UB).
  if (!std::isfinite(box.left) || !std::isfinite(box.top) || !std::isfinite(box.width) ||
      !std::isfinite(box.height)) {
    return {};
  }
  const double x = std::max(box.left, 0.0);
  const double y = std::max(box.top, 0.0);
  const double w = std::min(box.left + box.width - x, image_width - x);
  const double h = std::min(box.top + box.height - y, image_height - y);
  return {static_cast<int>(std::floor(x)), static_cast<int>(std::floor(y)),
          static_cast<int>(std::floor(w)), static_cast<int>(std::floor(h))};
}

std::array<Point, 68> LandmarksToImage(std::span<const float> out, const PixelRect& crop,
                                       const Box& detection) {
  constexpr double kSide = 112;
  const double s = kSide / std::max(crop.width, crop.height);
  const double w = crop.width * s, h = crop.height * s;  // the crop inside the 112 square
  const double pad_x = w < h ? (h - w) / 2 : 0;
  const double pad_y = h < w ? (w - h) / 2 : 0;
  std::array<Point, 68> pts{};
  for (int i = 0; i < 68; ++i) {
    pts[i].x = (out[2 * i] * kSide - pad_x) / w * crop.width + detection.left;
    pts[i].y = (out[2 * i + 1] * kSide - pad_y) / h * crop.height + detection.top;
  }
  return pts;
}

Point Centre(const std::array<Point, 68>& pts, int first, int last) {
  Point c;
  for (int i = first; i <= last; ++i) {
    c.x += pts[i].x;
    c.y += pts[i].y;
  }
  const int n = last - first + 1;
  return {c.x / n, c.y / n};
}

Box DlibAlignedSquare(const std::array<Point, 68>& pts) {
  const Point left_eye = Centre(pts, 36, 41);
  const Point right_eye = Centre(pts, 42, 47);
  const Point mouth = Centre(pts, 48, 67);
  const double eye_to_mouth = (Distance(mouth, left_eye) + Distance(mouth, right_eye)) / 2;
  const double size = std::floor(eye_to_mouth / 0.45);
  const Point ref{(left_eye.x + right_eye.x + mouth.x) / 3,
                  (left_eye.y + right_eye.y + mouth.y) / 3};
  return {std::floor(std::max(0.0, ref.x - 0.5 * size)),
          std::floor(std::max(0.0, ref.y - 0.43 * size)), size, size};
}

}  // namespace oversight::matcher::internal
