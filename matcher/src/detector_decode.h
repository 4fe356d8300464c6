// Turning TinyFaceDetector's raw output grid into face boxes (pure; no OpenCV).
#pragma once

#include <span>
#include <vector>

#include "oversight/matcher/face_model.h"

namespace oversight::matcher::internal {

struct Detection {
  Box box;  // pixels of the original image
  double score = 0;
};

// `nchw` is the net output [1, 25, grid, grid]; channel = anchor * 5 + {tx, ty, tw, th, to}.
// Boxes scoring above `score_threshold` are mapped from the padded square back to the
// original `image_width` x `image_height` pixels exactly as face-api does.
std::vector<Detection> DecodeDetections(std::span<const float> nchw, int grid, int input_size,
                                        int image_width, int image_height, double score_threshold);

// Greedy NMS by descending score: drops a box whose IoU with a kept box is > iou_threshold
// (face-api's rule). Also drops a box more than `coverage_limit` of whose area is covered by
// already-kept boxes, which IoU alone misses: a small duplicate nested in a big box, or a
// spurious box straddling two neighbouring faces (sample6 of the demo photos has one).
// coverage_limit >= 1 disables that rule and reproduces face-api exactly.
std::vector<Detection> SuppressOverlaps(std::vector<Detection> detections, double iou_threshold,
                                        double coverage_limit);

double IntersectionOverUnion(const Box& a, const Box& b);

}  // namespace oversight::matcher::internal
