// FaceRecognitionNet: face-api's port of dlib's ResNet-34-like face descriptor net.
#include "graph_builder.h"
#include "nets.h"

namespace oversight::matcher::internal {
namespace {

// A conv unit's tensors: conv + bias + dlib's affine "scale" layer (folded into the conv).
StatusOr<ConvWeights> UnitWeights(const WeightMap& w, const std::string& prefix, int kernel,
                                  int in_c, int out_c) {
  const int f_shape[] = {kernel, kernel, in_c, out_c};
  const int v_shape[] = {out_c};
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* f, w.Get(prefix + "/conv/filters", f_shape));
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* b, w.Get(prefix + "/conv/bias", v_shape));
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* s, w.Get(prefix + "/scale/weights", v_shape));
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* sb, w.Get(prefix + "/scale/biases", v_shape));
  return ConvWeights{.filters = f, .bias = b, .scale = s, .shift = sb};
}

// The conv unit, then optionally + residual and ReLU (the residual add fused into the conv
// that feeds it).
StatusOr<Blob> ConvUnit(GraphBuilder& g, const WeightMap& w, const Blob& in,
                        const std::string& prefix, int out_c, const ConvSpec& spec, bool relu,
                        const Blob* residual = nullptr) {
  OVERSIGHT_ASSIGN_OR_RETURN(const ConvWeights cw,
                             UnitWeights(w, prefix, spec.kernel, in.c, out_c));
  return g.ConvBlock(in, spec, cw, residual, relu);
}

// relu(conv2(relu(conv1 x)) + x), both 3x3 stride 1 'same'.
StatusOr<Blob> Residual(GraphBuilder& g, const WeightMap& w, const Blob& in,
                        const std::string& name) {
  const ConvSpec same{.kernel = 3};
  OVERSIGHT_ASSIGN_OR_RETURN(Blob x, ConvUnit(g, w, in, name + "/conv1", in.c, same, true));
  return ConvUnit(g, w, x, name + "/conv2", in.c, same, true, &in);
}

// Main path conv1 3x3/2 'valid' + ReLU, conv2 3x3 'same'; shortcut avgPool 2x2/2 'valid' with
// zero channels appended; the main path gets a zero bottom row and right column when it comes
// out one smaller than the shortcut (3 vs 4 and 1 vs 2 here). conv2, the shortcut, the sum
// and the ReLU are one FastConv layer where it is used (GraphBuilder::ConvPoolShortcut).
StatusOr<Blob> ResidualDown(GraphBuilder& g, const WeightMap& w, const Blob& in,
                            const std::string& name, int out_c) {
  const ConvSpec down{.kernel = 3, .stride = 2, .padding = Padding::kValid};
  OVERSIGHT_ASSIGN_OR_RETURN(Blob x, ConvUnit(g, w, in, name + "/conv1", out_c, down, true));
  if (!PoolShortcutFits(x.h, x.w, in) || out_c < in.c) {  // conv2 is 'same': x's size stays
    return Status::Internal("recognition net: unexpected shape at " + name);
  }
  OVERSIGHT_ASSIGN_OR_RETURN(const ConvWeights cw,
                             UnitWeights(w, name + "/conv2", 3, out_c, out_c));
  return g.ConvPoolShortcut(x, {.kernel = 3}, cw, in);
}

StatusOr<Blob> Stage(GraphBuilder& g, const WeightMap& w, Blob x, int channels, int residuals,
                     bool down) {
  const std::string base = "conv" + std::to_string(channels);
  if (down) {
    OVERSIGHT_ASSIGN_OR_RETURN(x, ResidualDown(g, w, x, base + "_down", channels));
  }
  for (int i = 1; i <= residuals; ++i) {
    OVERSIGHT_ASSIGN_OR_RETURN(x, Residual(g, w, x, base + "_" + std::to_string(i)));
  }
  return x;
}

}  // namespace

StatusOr<cv::dnn::Net> BuildRecognitionNet(const WeightMap& w, ConvBackend backend) {
  GraphBuilder g(3, kRecognitionInputSize, kRecognitionInputSize, backend);
  const ConvSpec stem{.kernel = 7, .stride = 2, .padding = Padding::kValid};
  OVERSIGHT_ASSIGN_OR_RETURN(Blob x, ConvUnit(g, w, g.input(), "conv32_down", 32, stem, true));
  x = g.MaxPool(x, 3, 2, Padding::kValid);
  OVERSIGHT_ASSIGN_OR_RETURN(x, Stage(g, w, x, 32, 3, false));
  OVERSIGHT_ASSIGN_OR_RETURN(x, Stage(g, w, x, 64, 3, true));
  OVERSIGHT_ASSIGN_OR_RETURN(x, Stage(g, w, x, 128, 2, true));
  OVERSIGHT_ASSIGN_OR_RETURN(x, Stage(g, w, x, 256, 2, true));
  OVERSIGHT_ASSIGN_OR_RETURN(x, ResidualDown(g, w, x, "conv256_down_out", 256));
  x = g.GlobalAvgPool(x);
  const int fc_shape[] = {256, 128};
  OVERSIGHT_ASSIGN_OR_RETURN(const Tensor* fc, w.Get("fc", fc_shape));
  g.Dense(x, *fc, nullptr);
  return g.Finish();
}

}  // namespace oversight::matcher::internal
