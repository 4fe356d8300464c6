// Net input preparation, reproducing face-api's tfjs preprocessing exactly.
#pragma once

#include <opencv2/core.hpp>

namespace oversight::matcher::internal {

enum class SquarePad {
  kCentred,      // landmarks and recognition: round(d/2) zeros after, the rest before
  kBottomRight,  // detector: all zeros at the bottom/right
};

// Where a w x h image sits inside its zero-padded square of side max(w, h).
struct SquareLayout {
  int side = 0;
  int left = 0;
  int top = 0;
};
SquareLayout LayoutSquare(int width, int height, SquarePad pad);

// Builds the [1,3,size,size] float blob (RGB planes) from an 8-bit 3-channel BGR image (any
// ROI): zero-pad to a square, resize bilinearly with tfjs semantics (alignCorners=false,
// halfPixelCenters=false: source = dest * in/out, clamped), subtract `mean_rgb`, divide by 255.
// Why not cv::resize/blobFromImage: OpenCV uses half-pixel centres, which shifts the crop by a
// fraction of a pixel and moves descriptors by 0.01-0.03 away from face-api's.
// REQUIRES: bgr is CV_8UC3, non-empty; size > 0.
cv::Mat MakeInputBlob(const cv::Mat& bgr, SquarePad pad, int size, const float mean_rgb[3]);

}  // namespace oversight::matcher::internal
