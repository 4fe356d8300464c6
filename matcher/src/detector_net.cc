// TinyFaceDetector (face-api's tinyYolov2 with separable convs, isFirstLayerConv2d).
#include "graph_builder.h"
#include "nets.h"

namespace oversight::matcher::internal {
namespace {

constexpr float kLeakySlope = 0.1f;

// pad 1 -> depthwise 3x3 'valid' -> pointwise 1x1 + bias -> leaky ReLU.
StatusOr<Blob> SeparableLeaky(GraphBuilder& g, const WeightMap& w, const Blob& in,
                              const std::string& prefix, int out_c) {
  const int dw_shape[] = {3, 3, in.c, 1};
  const int pw_shape[] = {1, 1, in.c, out_c};
  const int b_shape[] = {out_c};
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* dw, w.Get(prefix + "/depthwise_filter", dw_shape));
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* pw, w.Get(prefix + "/pointwise_filter", pw_shape));
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* bias, w.Get(prefix + "/bias", b_shape));
  Blob x = g.Conv(in, {.kernel = 3, .explicit_pad = 1, .depthwise = true}, *dw, nullptr);
  return g.ConvBlock(x, {.kernel = 1}, {.filters = pw, .bias = bias}, nullptr, true, kLeakySlope);
}

}  // namespace

StatusOr<cv::dnn::Net> BuildDetectorNet(const WeightMap& w, int input_size, ConvBackend backend) {
  if (input_size < 32 || input_size % 32 != 0 || input_size > 1024) {
    return Status::InvalidArgument("detector input size must be a multiple of 32 in [32, 1024]");
  }
  GraphBuilder g(3, input_size, input_size, backend);
  const int f0_shape[] = {3, 3, 3, 16};
  const int b0_shape[] = {16};
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* f0, w.Get("conv0/filters", f0_shape));
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* b0, w.Get("conv0/bias", b0_shape));
  Blob x = g.ConvBlock(g.input(), {.kernel = 3, .padding = Padding::kValid},
                       {.filters = f0, .bias = b0}, nullptr, true, kLeakySlope);
  x = g.MaxPool(x, 2, 2, Padding::kSame);
  for (int i = 1; i <= 5; ++i) {
    OVERSIGHT_ASSIGN_OR_RETURN(x, SeparableLeaky(g, w, x, "conv" + std::to_string(i), x.c * 2));
    // The last pool keeps the grid (stride 1) so S = input/32.
    x = g.MaxPool(x, 2, i == 5 ? 1 : 2, Padding::kSame);
  }
  const int f8_shape[] = {1, 1, 512, 25};
  const int b8_shape[] = {25};
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* f8, w.Get("conv8/filters", f8_shape));
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* b8, w.Get("conv8/bias", b8_shape));
  g.ConvBlock(x, {.kernel = 1}, {.filters = f8, .bias = b8}, nullptr, false);
  return g.Finish();
}

StatusOr<cv::Mat> RunNet(cv::dnn::Net& net, const cv::Mat& blob) {
  try {
    net.setInput(blob);
    return net.forward().clone();
  } catch (const cv::Exception& e) {
    return Status::Internal(std::string("OpenCV dnn forward failed: ") + e.what());
  }
}

}  // namespace oversight::matcher::internal
