// Each net against golden outputs from face-api's own JavaScript (tfjs CPU backend); see
// fixtures/README.md. The inputs are already at the net's input size, so only the nets and the
// normalisation are compared, and they must agree to 1e-4.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <opencv2/imgproc.hpp>

#include "nets.h"
#include "oversight/matcher/model_files.h"
#include "oversight/matcher/weights.h"
#include "preprocess.h"
#include "test_support.h"

namespace oversight::matcher {
namespace {

using internal::MakeInputBlob;
using internal::SquarePad;
using testing::FixturePath;
using testing::ReadFileBytes;
using testing::ReadFloats;

constexpr float kTolerance = 1e-4f;

// The fixture's RGB HWC bytes as the BGR image our pipeline would hold.
cv::Mat FixtureImage(const std::string& name, int size) {
  std::vector<std::uint8_t> rgb = ReadFileBytes(FixturePath(name + ".input.u8"));
  EXPECT_EQ(rgb.size(), static_cast<std::size_t>(size * size * 3));
  cv::Mat bgr;
  cv::cvtColor(cv::Mat(size, size, CV_8UC3, rgb.data()), bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

float MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float worst = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    worst = std::max(worst, std::abs(a[i] - b[i]));
  }
  return worst;
}

std::vector<float> Flatten(const cv::Mat& m) {
  const float* p = m.ptr<float>();
  return {p, p + m.total()};
}

using internal::ConvBackend;

// Both conv backends: FastConv (where the CPU has AVX-512F; OpenCV's layers elsewhere) and
// OpenCV's layers only, so the fallback stays checked on machines that use FastConv.
class NetsFixtureTest : public ::testing::TestWithParam<ConvBackend> {};

std::string BackendName(const ::testing::TestParamInfo<ConvBackend>& p) {
  return p.param == ConvBackend::kAuto ? "Auto" : "OpenCvLayers";
}

TEST_P(NetsFixtureTest, DetectorMatchesFaceApiWithin1e4) {
  OVERSIGHT_REQUIRE_MODELS(dir);
  auto weights = LoadWeights(dir, kDetectorModel);
  ASSERT_TRUE(weights.ok()) << weights.status().ToString();
  constexpr int kSize = 160;
  auto net = internal::BuildDetectorNet(*weights, kSize, GetParam());
  ASSERT_TRUE(net.ok()) << net.status().ToString();
  const cv::Mat blob = MakeInputBlob(FixtureImage("detector", kSize), SquarePad::kBottomRight,
                                     kSize, internal::kDetectorMeanRgb);
  auto out = internal::RunNet(*net, blob);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size[1], 25);
  const int s = out->size[2];
  // Ours is NCHW, tfjs's NHWC.
  std::vector<float> ours(static_cast<std::size_t>(s * s * 25));
  for (int c = 0; c < 25; ++c)
    for (int i = 0; i < s * s; ++i) ours[i * 25 + c] = out->ptr<float>()[c * s * s + i];
  const float diff = MaxAbsDiff(ours, ReadFloats(FixturePath("detector.output.f32")));
  RecordProperty("max_abs_diff", std::to_string(diff));
  std::printf("[ measured ] detector max |ours - face-api| = %.3g\n", diff);
  EXPECT_LT(diff, kTolerance);
}

void ExpectFaceNetMatches(const std::string& dir, std::string_view model,
                          const std::string& fixture, const std::string& input, int size,
                          bool landmarks, ConvBackend backend) {
  auto weights = LoadWeights(dir, model);
  ASSERT_TRUE(weights.ok()) << weights.status().ToString();
  auto net = landmarks ? internal::BuildLandmarkNet(*weights, backend)
                       : internal::BuildRecognitionNet(*weights, backend);
  ASSERT_TRUE(net.ok()) << net.status().ToString();
  const cv::Mat blob =
      MakeInputBlob(FixtureImage(input, size), SquarePad::kCentred, size, internal::kFaceMeanRgb);
  auto out = internal::RunNet(*net, blob);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const float diff = MaxAbsDiff(Flatten(*out), ReadFloats(FixturePath(fixture + ".output.f32")));
  ::testing::Test::RecordProperty("max_abs_diff", std::to_string(diff));
  std::printf("[ measured ] %s max |ours - face-api| = %.3g\n", fixture.c_str(), diff);
  EXPECT_LT(diff, kTolerance);
}

TEST_P(NetsFixtureTest, Landmark68MatchesFaceApiWithin1e4) {
  OVERSIGHT_REQUIRE_MODELS(dir);
  ExpectFaceNetMatches(dir, kLandmarkModel, "landmark68", "landmark68", 112, true, GetParam());
}

TEST_P(NetsFixtureTest, Landmark68TinyMatchesFaceApiWithin1e4) {
  OVERSIGHT_REQUIRE_MODELS(dir);
  ExpectFaceNetMatches(dir, kLandmarkTinyModel, "landmark68_tiny", "landmark68", 112, true,
                       GetParam());
}

TEST_P(NetsFixtureTest, RecognitionMatchesFaceApiWithin1e4) {
  OVERSIGHT_REQUIRE_MODELS(dir);
  ExpectFaceNetMatches(dir, kRecognitionModel, "recognition", "recognition", 150, false,
                       GetParam());
}

INSTANTIATE_TEST_SUITE_P(Backends, NetsFixtureTest,
                         ::testing::Values(ConvBackend::kAuto, ConvBackend::kOpenCv), BackendName);

}  // namespace
}  // namespace oversight::matcher
