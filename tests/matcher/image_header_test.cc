// Header probing: dimensions are read without decoding, and absurd or malformed images are
// refused before any pixel buffer exists.
#include "oversight/matcher/image_header.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <random>

namespace oversight::matcher {
namespace {

std::vector<std::uint8_t> Encode(const std::string& ext, int w, int h) {
  std::vector<std::uint8_t> out;
  cv::imencode(ext, cv::Mat(h, w, CV_8UC3, cv::Scalar(10, 20, 30)), out);
  return out;
}

void PutBe32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

TEST(ImageHeaderTest, ReadsDimensionsOfEveryAcceptedFormat) {
  for (const char* ext : {".jpg", ".png", ".webp", ".bmp"}) {
    auto info = ProbeImageHeader(Encode(ext, 37, 21));
    ASSERT_TRUE(info.ok()) << ext << ": " << info.status().ToString();
    EXPECT_EQ(info->width, 37) << ext;
    EXPECT_EQ(info->height, 21) << ext;
  }
}

TEST(ImageHeaderTest, ReadsLosslessWebpDimensions) {
  std::vector<std::uint8_t> out;
  cv::imencode(".webp", cv::Mat(9, 301, CV_8UC3), out, {cv::IMWRITE_WEBP_QUALITY, 101});
  auto info = ProbeImageHeader(out);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->width, 301);
  EXPECT_EQ(info->height, 9);
}

// The attack: a ~1 KB PNG declaring 100k x 100k pixels.
TEST(ImageHeaderTest, TinyPngDeclaringHugeDimensionsIsRefusedBeforeDecoding) {
  auto png = Encode(".png", 8, 8);
  PutBe32(png, 16, 100000);
  PutBe32(png, 20, 100000);
  ASSERT_LT(png.size(), 1024u);
  auto info = CheckImageHeader(png, ImageLimits{});
  EXPECT_EQ(info.status().code(), StatusCode::kResourceExhausted);
}

TEST(ImageHeaderTest, RefusesTooManyBytes) {
  ImageLimits limits;
  limits.max_bytes = 100;
  EXPECT_EQ(CheckImageHeader(Encode(".png", 64, 64), limits).status().code(),
            StatusCode::kResourceExhausted);
}

TEST(ImageHeaderTest, RefusesNonImagesAndUnsupportedFormats) {
  const std::string text = "GIF89a definitely not a face";
  for (std::span<const std::uint8_t> bad :
       {std::span<const std::uint8_t>(),
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()),
                                      text.size())}) {
    EXPECT_EQ(ProbeImageHeader(bad).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(ImageHeaderTest, RefusesTruncatedJpegAndPng) {
  for (const char* ext : {".jpg", ".png"}) {
    auto bytes = Encode(ext, 64, 64);
    bytes.resize(bytes.size() / 2);
    EXPECT_EQ(ProbeImageHeader(bytes).status().code(), StatusCode::kInvalidArgument) << ext;
  }
}

TEST(ImageHeaderTest, EveryPrefixOfAJpegIsRefusedWithoutCrashing) {
  const auto jpg = Encode(".jpg", 16, 16);
  for (std::size_t n = 0; n + 1 < jpg.size(); ++n) {
    EXPECT_FALSE(ProbeImageHeader(std::span(jpg).first(n)).ok()) << n;
  }
}

// Probing reads only inside the buffer whatever the bytes say (run under ASan in CI).
TEST(ImageHeaderTest, RandomlyCorruptedHeadersAreHandledSafely) {
  std::mt19937 rng(42);
  for (const char* ext : {".jpg", ".png", ".webp", ".bmp"}) {
    const auto good = Encode(ext, 23, 17);
    for (int trial = 0; trial < 3000; ++trial) {
      auto bytes = good;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        bytes[rng() % std::min<std::size_t>(bytes.size(), 64)] = static_cast<std::uint8_t>(rng());
      }
      bytes.resize(rng() % (bytes.size() + 1));
      auto info = ProbeImageHeader(bytes);
      if (info.ok()) {
        EXPECT_GT(info->width, 0);
        EXPECT_GT(info->height, 0);
      }
    }
  }
}

TEST(ImageHeaderTest, ZeroWidthIsMalformed) {
  auto png = Encode(".png", 8, 8);
  PutBe32(png, 16, 0);
  EXPECT_EQ(ProbeImageHeader(png).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace oversight::matcher
