// The weight-file parser: dequantisation, raw float32 tensors, byte accounting, and refusal of
// malformed manifests; then known values from the real files.
#include "oversight/matcher/weights.h"

#include <gtest/gtest.h>

#include <cstring>

#include "oversight/matcher/model_files.h"
#include "test_support.h"

namespace oversight::matcher {
namespace {

// One uint8 tensor [2] (scale 0.5, min -1) then one float32 tensor [2].
constexpr std::string_view kManifest = R"([{"paths":["x.bin"],"weights":[
  {"name":"a","shape":[2],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.5,"min":-1}},
  {"name":"b","shape":[2],"dtype":"float32"}]}])";

std::vector<std::uint8_t> Shard() {
  std::vector<std::uint8_t> bytes = {0, 4};  // -> -1, 1
  const float raw[2] = {3.25f, -7.5f};
  bytes.resize(2 + sizeof raw);
  std::memcpy(bytes.data() + 2, raw, sizeof raw);
  return bytes;
}

TEST(WeightsTest, DequantisesUint8AsQTimesScalePlusMin) {
  auto w = ParseWeights(kManifest, Shard());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  const int shape[] = {2};
  auto a = w->Get("a", shape);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->values, (std::vector<float>{-1.f, 1.f}));
}

TEST(WeightsTest, ReadsUnquantisedTensorsAsRawFloat32AfterQuantisedOnes) {
  auto w = ParseWeights(kManifest, Shard());
  ASSERT_TRUE(w.ok());
  const int shape[] = {2};
  EXPECT_EQ((*w->Get("b", shape))->values, (std::vector<float>{3.25f, -7.5f}));
  EXPECT_EQ(w->ParameterCount(), 4u);
}

TEST(WeightsTest, RejectsAShardLongerOrShorterThanTheManifestSays) {
  auto bytes = Shard();
  bytes.push_back(0);
  EXPECT_EQ(ParseWeights(kManifest, bytes).status().code(), StatusCode::kCorruption);
  bytes.resize(bytes.size() - 2);
  EXPECT_EQ(ParseWeights(kManifest, bytes).status().code(), StatusCode::kCorruption);
}

TEST(WeightsTest, RejectsMalformedManifests) {
  const std::vector<std::uint8_t> none;
  for (std::string_view bad :
       {"", "{", "{}", "[]", R"([{"paths":[],"weights":[{"name":"a"}]}])",
        R"([{"paths":[],"weights":[{"name":"a","shape":[-1]}]}])",
        R"([{"paths":[],"weights":[{"name":"a","shape":[1],"dtype":"int32"}]}])"}) {
    auto w = ParseWeights(bad, none);
    EXPECT_FALSE(w.ok()) << bad;
    if (!w.ok()) {
      EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
}

TEST(WeightsTest, GetChecksTheExpectedShape) {
  auto w = ParseWeights(kManifest, Shard());
  ASSERT_TRUE(w.ok());
  const int wrong[] = {1, 2};
  EXPECT_EQ(w->Get("a", wrong).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w->Get("zzz", wrong).status().code(), StatusCode::kNotFound);
}

// Known values computed independently from the package's files (see fixtures/README.md).
TEST(WeightsTest, RealRecognitionWeightsHaveKnownCountsAndValues) {
  OVERSIGHT_REQUIRE_MODELS(dir);
  auto w = LoadWeights(dir, kRecognitionModel);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->size(), 117u);
  EXPECT_EQ(w->ParameterCount(), 5'614'592u);
  const int stem[] = {7, 7, 3, 32};
  EXPECT_NEAR((*w->Get("conv32_down/conv/filters", stem))->values[0], -0.02945963752036001, 1e-7);
  // One of the eight float32 tensors in the middle of the file.
  const int f64[] = {3, 3, 32, 64};
  const auto& raw = (*w->Get("conv64_down/conv1/conv/filters", f64))->values;
  EXPECT_NEAR(raw[1], -0.006515676621347666, 1e-9);
  EXPECT_NEAR(raw.back(), 0.001856982707977295, 1e-9);
  const int fc[] = {256, 128};
  EXPECT_NEAR((*w->Get("fc", fc))->values.back(), 0.00643838240819819, 1e-7);
}

TEST(WeightsTest, RealDetectorWeightsHaveKnownCounts) {
  OVERSIGHT_REQUIRE_MODELS(dir);
  auto w = LoadWeights(dir, kDetectorModel);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->size(), 19u);
  EXPECT_EQ(w->ParameterCount(), 193'321u);
  const int b8[] = {25};
  EXPECT_NEAR((*w->Get("conv8/bias", b8))->values[1], 0.11567483544349677, 1e-7);
}

}  // namespace
}  // namespace oversight::matcher
