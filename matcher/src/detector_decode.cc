#include "detector_decode.h"

#include <algorithm>
#include <cmath>

namespace oversight::matcher::internal {
namespace {

// Anchor sizes in grid cells (face-api tinyFaceDetector/const.ts).
constexpr double kAnchors[5][2] = {{1.603231, 2.094468},
                                   {6.041143, 7.080126},
                                   {2.882459, 3.518061},
                                   {4.266906, 5.178857},
                                   {9.041765, 10.66308}};

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

double Intersection(const Box& a, const Box& b) {
  const double w = std::min(a.left + a.width, b.left + b.width) - std::max(a.left, b.left);
  const double h = std::min(a.top + a.height, b.top + b.height) - std::max(a.top, b.top);
  return std::max(0.0, w) * std::max(0.0, h);
}

}  // namespace

double IntersectionOverUnion(const Box& a, const Box& b) {
  const double inter = Intersection(a, b);
  const double uni = a.width * a.height + b.width * b.height - inter;
  return uni > 0 ? inter / uni : 0;
}

std::vector<Detection> DecodeDetections(std::span<const float> nchw, int grid, int input_size,
                                        int image_width, int image_height, double score_threshold) {
  // The image was padded bottom/right to a square, so coordinates relative to the square are
  // stretched by input_size / (resized side) to become relative to the image itself.
  const double k = static_cast<double>(input_size) / std::max(image_width, image_height);
  const double fx = input_size / std::round(image_width * k);
  const double fy = input_size / std::round(image_height * k);
  const std::size_t plane = static_cast<std::size_t>(grid) * grid;
  auto at = [&](int channel, int row, int col) {
    return static_cast<double>(nchw[channel * plane + static_cast<std::size_t>(row) * grid + col]);
  };
  std::vector<Detection> out;
  for (int row = 0; row < grid; ++row) {
    for (int col = 0; col < grid; ++col) {
      for (int a = 0; a < 5; ++a) {
        const double score = Sigmoid(at(a * 5 + 4, row, col));
        if (score <= score_threshold) continue;
        const double cx = (col + Sigmoid(at(a * 5, row, col))) / grid * fx;
        const double cy = (row + Sigmoid(at(a * 5 + 1, row, col))) / grid * fy;
        const double w = std::exp(at(a * 5 + 2, row, col)) * kAnchors[a][0] / grid * fx;
        const double h = std::exp(at(a * 5 + 3, row, col)) * kAnchors[a][1] / grid * fy;
        out.push_back({Box{(cx - w / 2) * image_width, (cy - h / 2) * image_height, w * image_width,
                           h * image_height},
                       score});
      }
    }
  }
  return out;
}

std::vector<Detection> SuppressOverlaps(std::vector<Detection> detections, double iou_threshold,
                                        double coverage_limit) {
  std::stable_sort(detections.begin(), detections.end(),
                   [](const Detection& a, const Detection& b) { return a.score > b.score; });
  std::vector<Detection> kept;
  for (const Detection& d : detections) {
    double covered = 0;  // summed, so overlapping kept boxes count twice: errs towards dropping
    bool overlaps = false;
    for (const Detection& k : kept) {
      overlaps = overlaps || IntersectionOverUnion(d.box, k.box) > iou_threshold;
      covered += Intersection(d.box, k.box);
    }
    const double area = d.box.width * d.box.height;
    if (coverage_limit < 1 && area > 0 && covered / area > coverage_limit) overlaps = true;
    if (!overlaps) kept.push_back(d);
  }
  return kept;
}

}  // namespace oversight::matcher::internal
