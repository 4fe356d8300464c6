// FaceLandmark68Net and FaceLandmark68TinyNet: dense blocks of separable convs, then FC.
#include "graph_builder.h"
#include "nets.h"

namespace oversight::matcher::internal {
namespace {

// depthwise 3x3 (stride 1 or 2, 'same', no bias) -> pointwise 1x1 + bias [+ *residual]; no
// activation.
StatusOr<Blob> Separable(GraphBuilder& g, const WeightMap& w, const Blob& in,
                         const std::string& prefix, int out_c, int stride,
                         const Blob* residual = nullptr) {
  const int dw_shape[] = {3, 3, in.c, 1};
  const int pw_shape[] = {1, 1, in.c, out_c};
  const int b_shape[] = {out_c};
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* dw, w.Get(prefix + "/depthwise_filter", dw_shape));
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* pw, w.Get(prefix + "/pointwise_filter", pw_shape));
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* bias, w.Get(prefix + "/bias", b_shape));
  Blob x = g.Conv(in, {.kernel = 3, .stride = stride, .depthwise = true}, *dw, nullptr);
  return g.ConvBlock(x, {.kernel = 1}, {.filters = pw, .bias = bias}, residual, false);
}

// The first conv of a block: a plain 3x3 stride-2 conv in dense0, separable elsewhere.
StatusOr<Blob> BlockEntry(GraphBuilder& g, const WeightMap& w, const Blob& in,
                          const std::string& prefix, int out_c, bool first_block) {
  if (!first_block) return Separable(g, w, in, prefix + "/conv0", out_c, 2);
  const int f_shape[] = {3, 3, in.c, out_c};
  const int b_shape[] = {out_c};
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* f, w.Get(prefix + "/conv0/filters", f_shape));
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* b, w.Get(prefix + "/conv0/bias", b_shape));
  return g.ConvBlock(in, {.kernel = 3, .stride = 2}, {.filters = f, .bias = b}, nullptr, false);
}

// out1 = relu(conv0 x); out_k = sep_k(relu(out1 + ... + out_{k-1})); result relu(sum of all).
StatusOr<Blob> DenseBlock(GraphBuilder& g, const WeightMap& w, const Blob& in, int index, int out_c,
                          int convs) {
  const std::string prefix = "dense" + std::to_string(index);
  OVERSIGHT_ASSIGN_OR_RETURN(Blob entry, BlockEntry(g, w, in, prefix, out_c, index == 0));
  Blob sum = g.Relu(entry);
  Blob acc = sum;  // running sum out1 + ... + out_k, before the ReLU
  for (int k = 1; k < convs; ++k) {
    const Blob act = k == 1 ? sum : g.Relu(acc);
    // The running sum is the pointwise conv's residual input, added in the same pass.
    OVERSIGHT_ASSIGN_OR_RETURN(
        acc, Separable(g, w, act, prefix + "/conv" + std::to_string(k), out_c, 1, &acc));
  }
  return g.Relu(acc);
}

}  // namespace

StatusOr<cv::dnn::Net> BuildLandmarkNet(const WeightMap& w, ConvBackend backend) {
  const bool tiny = !w.Contains("dense3/conv0/bias");
  const int blocks = tiny ? 3 : 4;
  const int convs = tiny ? 3 : 4;
  GraphBuilder g(3, kLandmarkInputSize, kLandmarkInputSize, backend);
  Blob x = g.input();
  for (int i = 0; i < blocks; ++i) {
    OVERSIGHT_ASSIGN_OR_RETURN(x, DenseBlock(g, w, x, i, 32 << i, convs));
  }
  // avgPool 7x7/2 (14x14 for tiny) 'valid' covers the whole map: a global average.
  x = g.GlobalAvgPool(x);
  const int fc_shape[] = {x.c, 136};
  const int fb_shape[] = {136};
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* fc, w.Get("fc/weights", fc_shape));
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* fb, w.Get("fc/bias", fb_shape));
  g.Dense(x, *fc, fb);
  return g.Finish();
}

}  // namespace oversight::matcher::internal
