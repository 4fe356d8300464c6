// Decoding untrusted image bytes into an 8-bit BGR cv::Mat (the OpenCV adapter; its
// exceptions stop here).
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <span>

#include "oversight/common/status.h"
#include "oversight/matcher/image_header.h"

namespace oversight::matcher::internal {

// Checks the header against `limits` first (no pixel buffer is allocated for an image that
// fails), then decodes with cv::imdecode(IMREAD_COLOR): EXIF orientation is applied, grey and
// 16-bit images become 8-bit BGR, alpha is dropped. `info`, if given, receives the header
// info with width/height replaced by the decoded (oriented) ones.
StatusOr<cv::Mat> DecodeImage(std::span<const std::uint8_t> bytes, const ImageLimits& limits,
                              ImageInfo* info = nullptr);

}  // namespace oversight::matcher::internal
