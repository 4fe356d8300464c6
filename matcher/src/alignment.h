// Landmark post-processing and the dlib-style crop (pure; no OpenCV).
#pragma once

#include <array>
#include <span>

#include "oversight/matcher/face_model.h"

namespace oversight::matcher::internal {

// An integer pixel rectangle inside the image.
struct PixelRect {
  int x = 0, y = 0, width = 0, height = 0;
  bool empty() const { return width <= 0 || height <= 0; }
};

// face-api's Box.clipAtImageBorders: clip to the image, then floor each field.
PixelRect ClipAndFloor(const Box& box, int image_width, int image_height);

// Maps the landmark net's 136 outputs (x,y interleaved, units of the 112-px padded square)
// to image pixels: undo the centred padding of the `crop`, then shift by the detection
// box's UNFLOORED origin (face-api shifts by detection.box, not by the floored crop).
std::array<Point, 68> LandmarksToImage(std::span<const float> net_output, const PixelRect& crop,
                                       const Box& detection);

// The mean of landmarks [first, last] (the 68-point indices, inclusive): an eye's or the
// mouth's centre.
Point Centre(const std::array<Point, 68>& landmarks, int first, int last);

// dlib-style alignment (face-api alignDlib): an axis-aligned square of side
// floor(mean eye-to-mouth distance / 0.45) around the mean of the eye and mouth centres.
Box DlibAlignedSquare(const std::array<Point, 68>& landmarks);

}  // namespace oversight::matcher::internal
