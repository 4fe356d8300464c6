// The three face-api nets as OpenCV dnn graphs, built from their weight maps.
//
// Each Build* checks every tensor it needs (name and shape) and fails with InvalidArgument or
// NotFound on a weight map that does not fit, never aborting on untrusted files. The returned
// nets take an NCHW float blob (RGB, mean-subtracted, divided by 255) and are NOT thread-safe:
// one net per thread (see NetSet).
#pragma once

#include <opencv2/dnn.hpp>

#include "oversight/common/status.h"
#include "oversight/matcher/weights.h"

namespace oversight::matcher::internal {

// Which layers carry the dense convolutions. kAuto uses FastConv (fast_conv.h) where the CPU
// supports it; kOpenCv keeps OpenCV's own layers (the reference the tests compare FastConv to).
enum class ConvBackend { kAuto, kOpenCv };

// TinyFaceDetector for a square input of `input_size` (a multiple of 32). Output [1,25,S,S].
StatusOr<cv::dnn::Net> BuildDetectorNet(const WeightMap& weights, int input_size,
                                        ConvBackend backend = ConvBackend::kAuto);

// FaceLandmark68Net (4 dense blocks) or, if the weights are the tiny model's, the tiny net
// (3 blocks). Input 112x112; output [1,136], x,y interleaved in units of the input side.
StatusOr<cv::dnn::Net> BuildLandmarkNet(const WeightMap& weights,
                                        ConvBackend backend = ConvBackend::kAuto);

// FaceRecognitionNet. Input 150x150; output [1,128], not normalised.
StatusOr<cv::dnn::Net> BuildRecognitionNet(const WeightMap& weights,
                                           ConvBackend backend = ConvBackend::kAuto);

// Runs `net` on `blob`, turning any cv::Exception into Internal.
StatusOr<cv::Mat> RunNet(cv::dnn::Net& net, const cv::Mat& blob);

// Preprocessing constants (docs/matcher.md).
inline constexpr float kDetectorMeanRgb[3] = {117.001f, 114.697f, 97.404f};
inline constexpr float kFaceMeanRgb[3] = {122.782f, 117.001f, 104.298f};
inline constexpr int kLandmarkInputSize = 112;
inline constexpr int kRecognitionInputSize = 150;

}  // namespace oversight::matcher::internal
