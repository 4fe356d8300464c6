// FastConv (matcher/src/fast_conv.h) against OpenCV's own Convolution [+ Eltwise] [+ ReLU] on
// random weights and inputs, over every shape class the nets use: the 7x7/2 stem, 3x3 'same'
// with a residual, 3x3/2 'valid', TensorFlow's asymmetric 'SAME' at stride 2, explicit
// padding, the small late layers (4x4, 3x3, and 1x1 where only the centre tap is read), and a
// batch of two; then the fused downsampling shortcut and FastMaxPool. The fixture tests then
// check the whole recognition net against face-api.
#include "fast_conv.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <string>
#include <utility>

#include "graph_builder.h"
#include "nets.h"
#include "oversight/matcher/model_files.h"
#include "test_support.h"

namespace oversight::matcher {
namespace {

using internal::Blob;
using internal::ConvBackend;
using internal::ConvSpec;
using internal::GraphBuilder;
using internal::Padding;

constexpr float kTolerance = 1e-4f;

Tensor Random(std::vector<int> shape, float lo, float hi) {
  std::size_t n = 1;
  for (int d : shape) n *= static_cast<std::size_t>(d);
  Tensor t;
  t.shape = std::move(shape);
  t.values.resize(n);
  cv::Mat view(1, static_cast<int>(t.values.size()), CV_32F, t.values.data());
  cv::randu(view, lo, hi);
  return t;
}

// Random bytes dequantised as the weight files do (q * scale + min, in float), keeping the
// bytes, so that the late layers take FastConv's byte-weight path.
Tensor RandomQuantised(std::vector<int> shape, float range) {
  Tensor t = Random(std::move(shape), 0.f, 256.f);
  t.quant_scale = 2 * range / 255;
  t.quant_min = -range;
  t.quantised.resize(t.values.size());
  for (std::size_t i = 0; i < t.values.size(); ++i) {
    t.quantised[i] = static_cast<std::uint8_t>(std::min(t.values[i], 255.f));
    t.values[i] = static_cast<float>(t.quantised[i]) * t.quant_scale + t.quant_min;
  }
  return t;
}

struct Case {
  std::string name;
  int in_c, out_c, size;
  ConvSpec spec;
  bool residual;
  bool relu;
  int batch = 1;
  float negative_slope = 0.f;
  bool quantised = false;
};

// in -> conv (affine folded) [+ residual] [ReLU], the residual being a second 1x1 conv of the
// input so that it has the output's shape.
cv::dnn::Net BuildCase(const Case& c, ConvBackend backend) {
  cv::RNG& rng = cv::theRNG();
  rng.state = 42;  // the same weights for both backends
  const int k = c.spec.kernel;
  const float range = 1.f / std::sqrt(static_cast<float>(k * k * c.in_c));
  const Tensor f = c.quantised ? RandomQuantised({k, k, c.in_c, c.out_c}, range)
                               : Random({k, k, c.in_c, c.out_c}, -range, range);
  const Tensor b = Random({c.out_c}, -0.1f, 0.1f);
  const Tensor s = Random({c.out_c}, 0.5f, 1.5f);
  const Tensor sh = Random({c.out_c}, -0.1f, 0.1f);
  GraphBuilder g(c.in_c, c.size, c.size, backend);
  Blob res{};
  if (c.residual) {
    const Tensor rf = Random({1, 1, c.in_c, c.out_c}, -range, range);
    const ConvSpec same_grid{.kernel = 1, .stride = c.spec.stride};
    res = g.Conv(g.input(), same_grid, rf, nullptr);
  }
  g.ConvBlock(g.input(), c.spec, {.filters = &f, .bias = &b, .scale = &s, .shift = &sh},
              c.residual ? &res : nullptr, c.relu, c.negative_slope);
  return g.Finish();
}

cv::Mat Forward(cv::dnn::Net& net, const cv::Mat& input) {
  net.setInput(input);
  return net.forward().clone();
}

// A random NCHW input in [-1, 1).
cv::Mat RandomInput(int batch, int channels, int h, int w) {
  const int dims[] = {batch, channels, h, w};
  cv::Mat input(4, dims, CV_32F);
  cv::randu(input, -1.f, 1.f);
  return input;
}

// Sets OpenCV's thread count for a scope, restoring it even when an assertion returns early.
class ThreadCount {
 public:
  ThreadCount() : before_(cv::getNumThreads()) {}
  ~ThreadCount() { cv::setNumThreads(before_); }
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;
  void Set(int threads) { cv::setNumThreads(threads); }

 private:
  const int before_;
};

cv::Mat RunCase(const Case& c, ConvBackend backend, const cv::Mat& input) {
  cv::dnn::Net net = BuildCase(c, backend);
  return Forward(net, input);
}

// face-api's first layer: 7x7, stride 2, 'valid', on a 3-channel image.
Case StemCase(std::string name) {
  return {std::move(name), 3,   32, 41, {.kernel = 7, .stride = 2, .padding = Padding::kValid},
          false,           true};
}

class FastConvTest : public ::testing::TestWithParam<Case> {};

TEST_P(FastConvTest, MatchesOpenCvWithin1e4) {
  if (!internal::FastConvAvailable()) GTEST_SKIP() << "no AVX-512F: FastConv is not used here";
  const Case& c = GetParam();
  const cv::Mat input = RandomInput(c.batch, c.in_c, c.size, c.size);
  const cv::Mat ours = RunCase(c, ConvBackend::kAuto, input);
  const cv::Mat ref = RunCase(c, ConvBackend::kOpenCv, input);
  ASSERT_EQ(ours.size, ref.size);
  EXPECT_LT(cv::norm(ours, ref, cv::NORM_INF), kTolerance);
  EXPECT_GT(cv::norm(ref, cv::NORM_INF), 0.1);  // not vacuous
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, FastConvTest,
    ::testing::Values(
        StemCase("Stem7x7Stride2Valid"),
        Case{"Same3x3Residual", 32, 32, 35, {.kernel = 3}, true, true},
        Case{"Same3x3NoRelu", 64, 64, 17, {.kernel = 3}, false, false},
        Case{"Down3x3Stride2Valid",
             32,
             64,
             35,
             {.kernel = 3, .stride = 2, .padding = Padding::kValid},
             false,
             true},
        Case{"SameStride2Asymmetric", 16, 32, 16, {.kernel = 3, .stride = 2}, true, false},
        Case{"ExplicitPad", 8, 32, 13, {.kernel = 3, .stride = 2, .explicit_pad = 1}, false, true},
        Case{"Late4x4Residual", 256, 256, 4, {.kernel = 3}, true, true},
        Case{"Late3x3", 128, 256, 3, {.kernel = 3}, false, true},
        Case{"CentreTap1x1", 256, 256, 1, {.kernel = 3}, true, true},
        Case{"BatchOfTwo", 32, 64, 9, {.kernel = 3}, true, true, 2},
        // The detector's and landmark net's shapes: 16 output channels (one vector), 1x1
        // pointwise convs, leaky ReLU.
        Case{"SixteenChannelsLeaky",
             3,
             16,
             30,
             {.kernel = 3, .padding = Padding::kValid},
             false,
             true,
             1,
             0.1f},
        Case{"PointwiseLeaky", 64, 128, 13, {.kernel = 1}, false, true, 1, 0.1f},
        Case{"PointwiseResidual", 48, 48, 7, {.kernel = 1}, true, false},
        // Quantised weights on maps of at most 16 positions: streamed as bytes.
        Case{"BytesLate4x4Residual", 256, 256, 4, {.kernel = 3}, true, true, 1, 0.f, true},
        Case{"BytesLate3x3", 128, 256, 3, {.kernel = 3}, false, true, 1, 0.f, true},
        Case{"BytesDownTo1x1",
             256,
             256,
             4,
             {.kernel = 3, .stride = 2, .padding = Padding::kValid},
             false,
             true,
             1,
             0.f,
             true},
        Case{"BytesCentreTap1x1", 256, 256, 1, {.kernel = 3}, true, true, 1, 0.f, true},
        Case{"BytesOneVector", 64, 48, 2, {.kernel = 3}, false, false, 1, 0.f, true}),
    [](const ::testing::TestParamInfo<Case>& p) { return p.param.name; });

// FastConv splits layers of many rows into one stripe of whole tiles per thread, each padding
// its own rows (fast_conv.cc, PrepareStripes). Every tile sums in the same order whatever the
// split, so any thread count must give the single-thread result, on one net whose thread count
// changes between forwards: bit for bit but for the residual, which OpenCV's own 1x1 conv
// computes and rounds differently per thread count (6e-8). 35 rows give 2, 3 and 5 stripes;
// 9 and 10 rows 2.
class StripedFastConvTest : public ::testing::TestWithParam<Case> {};

TEST_P(StripedFastConvTest, EveryThreadCountGivesTheOneThreadResult) {
  if (!internal::FastConvAvailable()) GTEST_SKIP() << "no AVX-512F: FastConv is not used here";
  const Case& c = GetParam();
  const cv::Mat input = RandomInput(c.batch, c.in_c, c.size, c.size);
  cv::dnn::Net net = BuildCase(c, ConvBackend::kAuto);
  cv::Mat one;
  {
    ThreadCount threads;
    threads.Set(1);
    one = Forward(net, input);
    for (const int n : {2, 3, 5, 1, 3}) {
      threads.Set(n);
      const cv::Mat striped = Forward(net, input);
      ASSERT_EQ(striped.size, one.size);
      EXPECT_LE(cv::norm(striped, one, cv::NORM_INF), c.residual ? 1e-6 : 0.0) << n;
    }
  }
  const cv::Mat ref = RunCase(c, ConvBackend::kOpenCv, input);
  EXPECT_LT(cv::norm(one, ref, cv::NORM_INF), kTolerance);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, StripedFastConvTest,
    ::testing::Values(
        Case{"Same3x3Residual", 32, 32, 35, {.kernel = 3}, true, true},
        StemCase("Stem7x7Stride2Unpadded"),
        Case{"SameStride2Asymmetric", 16, 32, 35, {.kernel = 3, .stride = 2}, true, false},
        Case{"ExplicitPad", 8, 32, 35, {.kernel = 3, .stride = 2, .explicit_pad = 1}, false, true},
        Case{"BatchOfTwo", 32, 64, 9, {.kernel = 3}, true, true, 2},
        Case{"TenRowsTwoVectors", 128, 128, 10, {.kernel = 3}, true, true}),
    [](const ::testing::TestParamInfo<Case>& p) { return p.param.name; });

// face-api's downsampling residual (conv1 3x3/2 'valid' + ReLU, then conv2 fused with the
// pooled, zero-channel-padded shortcut, the sum and the ReLU) against OpenCV's Convolution,
// AvgPool, Padding, Eltwise and ReLU layers: the same size as the pool, one row and column
// short (3x3 vs 4x4), and the 1x1 map whose conv reads only its centre tap.
struct DownCase {
  std::string name;
  int in_c, out_c, size;
  bool quantised = false;
};

cv::Mat RunDownCase(const DownCase& c, ConvBackend backend, const cv::Mat& input) {
  cv::RNG& rng = cv::theRNG();
  rng.state = 7;
  const float range1 = 1.f / std::sqrt(9.f * static_cast<float>(c.in_c));
  const float range2 = 1.f / std::sqrt(9.f * static_cast<float>(c.out_c));
  const Tensor f1 = Random({3, 3, c.in_c, c.out_c}, -range1, range1);
  const Tensor f2 = c.quantised ? RandomQuantised({3, 3, c.out_c, c.out_c}, range2)
                                : Random({3, 3, c.out_c, c.out_c}, -range2, range2);
  const Tensor b = Random({c.out_c}, -0.1f, 0.1f);
  const Tensor s = Random({c.out_c}, 0.5f, 1.5f);
  GraphBuilder g(c.in_c, c.size, c.size, backend);
  const Blob x = g.ConvBlock(g.input(), {.kernel = 3, .stride = 2, .padding = Padding::kValid},
                             {.filters = &f1, .bias = &b}, nullptr, true);
  g.ConvPoolShortcut(x, {.kernel = 3}, {.filters = &f2, .bias = &b, .scale = &s}, g.input());
  cv::dnn::Net net = g.Finish();
  net.setInput(input);
  return net.forward().clone();
}

class PoolShortcutTest : public ::testing::TestWithParam<DownCase> {};

TEST_P(PoolShortcutTest, MatchesOpenCvWithin1e4) {
  if (!internal::FastConvAvailable()) GTEST_SKIP() << "no AVX-512F: FastConv is not used here";
  const DownCase& c = GetParam();
  const cv::Mat input = RandomInput(1, c.in_c, c.size, c.size);
  const cv::Mat ours = RunDownCase(c, ConvBackend::kAuto, input);
  const cv::Mat ref = RunDownCase(c, ConvBackend::kOpenCv, input);
  ASSERT_EQ(ours.size, ref.size);
  EXPECT_LT(cv::norm(ours, ref, cv::NORM_INF), kTolerance);
  EXPECT_GT(cv::norm(ref, cv::NORM_INF), 0.1);
}

INSTANTIATE_TEST_SUITE_P(Shapes, PoolShortcutTest,
                         ::testing::Values(DownCase{"SameSize35To17", 32, 64, 35},
                                           DownCase{"PaddedBottomRight8To3", 128, 256, 8, true},
                                           DownCase{"CentreTap4To1", 256, 256, 4, true},
                                           DownCase{"OddChannels", 16, 32, 11}),
                         [](const ::testing::TestParamInfo<DownCase>& p) { return p.param.name; });

// Max pooling with stride 2, 'valid' (FastMaxPool where FastConv is used) against OpenCV's.
TEST(FastMaxPoolTest, MatchesOpenCvExactly) {
  if (!internal::FastConvAvailable()) GTEST_SKIP() << "no AVX-512F: FastConv is not used here";
  for (const int kernel : {2, 3}) {
    for (const int size : {72, 41, 35, 7}) {
      const cv::Mat input = RandomInput(2, 5, size, size + 3);
      cv::Mat out[2];
      for (const ConvBackend backend : {ConvBackend::kAuto, ConvBackend::kOpenCv}) {
        GraphBuilder g(5, size, size + 3, backend);
        g.MaxPool(g.input(), kernel, 2, Padding::kValid);
        cv::dnn::Net net = g.Finish();
        net.setInput(input);
        out[backend == ConvBackend::kAuto ? 0 : 1] = net.forward().clone();
      }
      ASSERT_EQ(out[0].size, out[1].size) << kernel << " " << size;
      EXPECT_EQ(cv::norm(out[0], out[1], cv::NORM_INF), 0.0) << kernel << " " << size;
    }
  }
}

int FastConvLayers(cv::dnn::Net& net) {
  int fast = 0;
  for (const std::string& name : net.getLayerNames()) {
    fast += net.getLayer(name)->type == "OversightFastConv";
  }
  return fast;
}

// The golden-fixture tests cover FastConv only if the nets really use it.
TEST(FastConvNetTest, NetsUseFastConvWhereAvailable) {
  OVERSIGHT_REQUIRE_MODELS(dir);
  auto rec = LoadWeights(dir, kRecognitionModel);
  auto det = LoadWeights(dir, kDetectorModel);
  auto lm = LoadWeights(dir, kLandmarkModel);
  ASSERT_TRUE(rec.ok() && det.ok() && lm.ok());
  auto rec_net = internal::BuildRecognitionNet(*rec);
  auto det_net = internal::BuildDetectorNet(*det, 160);
  auto lm_net = internal::BuildLandmarkNet(*lm);
  ASSERT_TRUE(rec_net.ok() && det_net.ok() && lm_net.ok());
  const bool available = internal::FastConvAvailable();
  EXPECT_EQ(FastConvLayers(*rec_net) > 0, available);
  EXPECT_EQ(FastConvLayers(*det_net) > 0, available);
  EXPECT_EQ(FastConvLayers(*lm_net) > 0, available);
}

}  // namespace
}  // namespace oversight::matcher
