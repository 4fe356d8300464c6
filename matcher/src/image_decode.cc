#include "image_decode.h"

#include <opencv2/imgcodecs.hpp>

namespace oversight::matcher::internal {

StatusOr<cv::Mat> DecodeImage(std::span<const std::uint8_t> bytes, const ImageLimits& limits,
                              ImageInfo* info) {
  OVERSIGHT_ASSIGN_OR_RETURN(ImageInfo header, CheckImageHeader(bytes, limits));
  cv::Mat image;
  try {
    // imdecode wants a Mat header over the bytes; it does not modify them.
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1,
                      const_cast<std::uint8_t*>(bytes.data()));
    image = cv::imdecode(raw, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    return Status::InvalidArgument(std::string("image could not be decoded: ") + e.what());
  }
  if (image.empty() || image.type() != CV_8UC3) {
    return Status::InvalidArgument("image could not be decoded (corrupt or truncated " +
                                   std::string(ImageFormatName(header.format)) + ")");
  }
  if (info) *info = {header.format, image.cols, image.rows};
  return image;
}

}  // namespace oversight::matcher::internal
