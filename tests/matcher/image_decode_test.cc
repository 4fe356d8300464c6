// Decoding: EXIF orientation honoured, grey/RGBA/16-bit normalised to 8-bit BGR, and corrupt
// input refused.
#include "image_decode.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

namespace oversight::matcher::internal {
namespace {

std::vector<std::uint8_t> Encode(const std::string& ext, const cv::Mat& m) {
  std::vector<std::uint8_t> out;
  cv::imencode(ext, m, out);
  return out;
}

// A JPEG with an APP1 Exif segment (little-endian TIFF, one IFD entry: Orientation).
std::vector<std::uint8_t> JpegWithOrientation(const cv::Mat& m, std::uint16_t orientation) {
  const auto jpg = Encode(".jpg", m);
  const std::uint8_t o = static_cast<std::uint8_t>(orientation);
  const std::vector<std::uint8_t> app1 = {
      0xFF, 0xE1, 0x00, 0x22, 'E',  'x', 'i', 'f', 0, 0,        // marker, length 34, "Exif\0\0"
      'I',  'I',  0x2A, 0x00, 0x08, 0,   0,   0,                // TIFF header, IFD at 8
      0x01, 0x00,                                               // one entry
      0x12, 0x01, 0x03, 0x00, 0x01, 0,   0,   0,   o, 0, 0, 0,  // 0x0112 SHORT x1 = orientation
      0,    0,    0,    0};                                     // no next IFD
  std::vector<std::uint8_t> out(jpg.begin(), jpg.begin() + 2);  // SOI
  out.insert(out.end(), app1.begin(), app1.end());
  out.insert(out.end(), jpg.begin() + 2, jpg.end());
  return out;
}

TEST(ImageDecodeTest, HonoursExifOrientation) {
  cv::Mat wide(20, 60, CV_8UC3, cv::Scalar(0, 0, 0));
  wide(cv::Rect(0, 0, 20, 20)).setTo(cv::Scalar(255, 255, 255));  // white block at the left
  ImageInfo info;
  auto upright = DecodeImage(JpegWithOrientation(wide, 1), ImageLimits{}, &info);
  ASSERT_TRUE(upright.ok()) << upright.status().ToString();
  EXPECT_EQ(upright->cols, 60);
  // 6 = "rotate 90 CW to display": the left block ends up on top.
  auto rotated = DecodeImage(JpegWithOrientation(wide, 6), ImageLimits{}, &info);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ(rotated->cols, 20);
  EXPECT_EQ(rotated->rows, 60);
  EXPECT_EQ(info.width, 20);
  EXPECT_GT(rotated->at<cv::Vec3b>(5, 10)[0], 200);
  EXPECT_LT(rotated->at<cv::Vec3b>(55, 10)[0], 50);
}

TEST(ImageDecodeTest, GreyRgbaAnd16BitBecome8BitBgr) {
  const cv::Mat grey(10, 12, CV_8UC1, cv::Scalar(77));
  const cv::Mat rgba(10, 12, CV_8UC4, cv::Scalar(10, 20, 30, 128));
  const cv::Mat deep(10, 12, CV_16UC3, cv::Scalar(256 * 40, 256 * 50, 256 * 60));
  for (const cv::Mat& m : {grey, rgba, deep}) {
    auto decoded = DecodeImage(Encode(".png", m), ImageLimits{});
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded->type(), CV_8UC3);
    EXPECT_EQ(decoded->size(), cv::Size(12, 10));
  }
  auto d16 = DecodeImage(Encode(".png", deep), ImageLimits{});
  EXPECT_EQ((*d16).at<cv::Vec3b>(0, 0), cv::Vec3b(40, 50, 60));
}

TEST(ImageDecodeTest, CorruptBodyWithValidHeaderIsInvalidArgument) {
  auto png = Encode(".png", cv::Mat(32, 32, CV_8UC3, cv::Scalar(1, 2, 3)));
  for (std::size_t i = 40; i + 20 < png.size(); ++i) png[i] = 0xAB;  // trash IDAT, keep IEND
  EXPECT_EQ(DecodeImage(png, ImageLimits{}).status().code(), StatusCode::kInvalidArgument);
}

TEST(ImageDecodeTest, OversizedDimensionsAreRefusedBeforeDecoding) {
  ImageLimits limits;
  limits.max_pixels = 100;
  auto png = Encode(".png", cv::Mat(11, 11, CV_8UC3));
  EXPECT_EQ(DecodeImage(png, limits).status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace oversight::matcher::internal
