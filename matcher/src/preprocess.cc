#include "preprocess.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace oversight::matcher::internal {
namespace {

// One output coordinate's two source taps in padded-square space and the weight of the second.
struct Tap {
  int lo = 0;
  int hi = 0;
  double frac = 0;
};

std::vector<Tap> MakeTaps(int out_size, int in_size) {
  std::vector<Tap> taps(out_size);
  const double ratio = static_cast<double>(in_size) / out_size;
  for (int i = 0; i < out_size; ++i) {
    const double src = ratio * i;
    const int lo = static_cast<int>(std::floor(src));
    taps[i] = {lo, std::min(in_size - 1, static_cast<int>(std::ceil(src))), src - lo};
  }
  return taps;
}

}  // namespace

SquareLayout LayoutSquare(int width, int height, SquarePad pad) {
  SquareLayout l;
  l.side = std::max(width, height);
  if (pad == SquarePad::kCentred) {
    const int diff = std::abs(width - height);
    const int before = diff - static_cast<int>(std::floor(diff * 0.5 + 0.5));  // JS Math.round
    (width < height ? l.left : l.top) = before;
  }
  return l;
}

cv::Mat MakeInputBlob(const cv::Mat& bgr, SquarePad pad, int size, const float mean_rgb[3]) {
  const SquareLayout sq = LayoutSquare(bgr.cols, bgr.rows, pad);
  const std::vector<Tap> taps = MakeTaps(size, sq.side);
  const int dims[] = {1, 3, size, size};
  cv::Mat blob(4, dims, CV_32F);
  float* planes[3];  // R, G, B
  for (int c = 0; c < 3; ++c)
    planes[c] = blob.ptr<float>() + static_cast<std::size_t>(c) * size * size;

  // Fetches channel `c` (BGR order) of the padded square at (y, x); padding is zero.
  auto at = [&](int y, int x, int c) -> double {
    y -= sq.top;
    x -= sq.left;
    if (y < 0 || x < 0 || y >= bgr.rows || x >= bgr.cols) return 0.0;
    return bgr.ptr<cv::Vec3b>(y)[x][c];
  };
  for (int oy = 0; oy < size; ++oy) {
    const Tap& ty = taps[oy];
    for (int ox = 0; ox < size; ++ox) {
      const Tap& tx = taps[ox];
      for (int c = 0; c < 3; ++c) {
        const int bgr_c = 2 - c;
        const double tl = at(ty.lo, tx.lo, bgr_c), tr = at(ty.lo, tx.hi, bgr_c);
        const double bl = at(ty.hi, tx.lo, bgr_c), br = at(ty.hi, tx.hi, bgr_c);
        const double top = tl + (tr - tl) * tx.frac;
        const double bottom = bl + (br - bl) * tx.frac;
        const float v = static_cast<float>(top + (bottom - top) * ty.frac);
        planes[c][oy * size + ox] = (v - mean_rgb[c]) / 255.f;
      }
    }
  }
  return blob;
}

}  // namespace oversight::matcher::internal
