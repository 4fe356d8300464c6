// Reading an image's format and dimensions from its header, without decoding any pixels, so
// absurd images are refused before a pixel buffer is allocated (a 1 KB PNG may claim
// 100000 x 100000 pixels).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "oversight/common/status.h"

namespace oversight::matcher {

enum class ImageFormat { kJpeg, kPng, kWebp, kBmp };
std::string_view ImageFormatName(ImageFormat format);

struct ImageInfo {
  ImageFormat format = ImageFormat::kJpeg;
  int width = 0;  // as stored; EXIF orientation may swap them after decoding
  int height = 0;
};

struct ImageLimits {
  std::size_t max_bytes = 15u << 20;     // encoded size
  int max_side = 16384;                  // either dimension
  std::int64_t max_pixels = 64'000'000;  // width * height
};

// Pure. InvalidArgument if the bytes are not one of the supported formats or the header is
// truncated or malformed (including a zero dimension).
StatusOr<ImageInfo> ProbeImageHeader(std::span<const std::uint8_t> bytes);

// ProbeImageHeader, then the limits: ResourceExhausted naming the limit that was exceeded.
StatusOr<ImageInfo> CheckImageHeader(std::span<const std::uint8_t> bytes,
                                     const ImageLimits& limits);

}  // namespace oversight::matcher
