// Builds a cv::dnn::Net layer by layer from face-api tensors, tracking each blob's shape.
//
// Why in code: Debian's OpenCV 4.6 cannot import tfjs graphs, and no converter is available
// offline, so each net is assembled from Convolution/ReLU/Pooling/Eltwise/Padding/InnerProduct
// layers whose behaviour matches TensorFlow's (docs/matcher.md lists the equivalences), and
// FastConv (fast_conv.h) for the dense convs where the CPU has AVX-512F.
#pragma once

#include <opencv2/dnn.hpp>
#include <string>

#include "nets.h"
#include "oversight/matcher/weights.h"

namespace oversight::matcher::internal {

// A layer output: its id in the net and its NCHW shape (batch 1).
struct Blob {
  int id = 0;
  int c = 0, h = 0, w = 0;
};

enum class Padding { kValid, kSame };

struct ConvSpec {
  int kernel = 1;
  int stride = 1;
  Padding padding = Padding::kSame;
  int explicit_pad = 0;  // symmetric zero pad, used instead of `padding` when > 0
  bool depthwise = false;
};

// A dense conv's tensors: filters HWIO [k,k,in,out]; the rest [out] and may be null. The
// per-channel affine y*scale+shift after the bias is folded into the weights.
struct ConvWeights {
  const Tensor* filters = nullptr;
  const Tensor* bias = nullptr;
  const Tensor* scale = nullptr;
  const Tensor* shift = nullptr;
};

class GraphBuilder {
 public:
  // `backend` decides only what ConvBlock emits.
  GraphBuilder(int channels, int height, int width, ConvBackend backend = ConvBackend::kOpenCv);

  Blob input() const { return input_; }

  // Convolution. `filters` is HWIO ([k,k,in,out]) or, if depthwise, [k,k,C,1]. `bias` may be
  // null. `out_scale`/`out_shift` (may be null) fold a per-channel affine y*s+b after the bias.
  Blob Conv(const Blob& in, const ConvSpec& spec, const Tensor& filters, const Tensor* bias,
            const Tensor* out_scale = nullptr, const Tensor* out_shift = nullptr);
  // Dense conv, then `+ *residual` if not null (same shape as the output), then, if `relu`,
  // ReLU (leaky if negative_slope != 0). One FastConv layer if the backend allows it, else
  // Convolution [+ Eltwise] [+ ReLU].
  Blob ConvBlock(const Blob& in, ConvSpec spec, const ConvWeights& w, const Blob* residual,
                 bool relu, float negative_slope = 0.f);
  // face-api's downsampling residual: ReLU(conv(in) + shortcut) with the shortcut the 2x2/2
  // 'valid' average pool of `block_in` with zero channels appended, the conv's output padded
  // with a zero bottom row and right column when it is one smaller than the pool's. One
  // FastConv layer if the backend allows it, else Convolution, AvgPool, [Padding,] Eltwise,
  // ReLU. The conv must have ReLU off; the caller checks the shapes fit (see PoolShortcutFits).
  Blob ConvPoolShortcut(const Blob& in, ConvSpec spec, const ConvWeights& w, const Blob& block_in);
  Blob Relu(const Blob& in, float negative_slope = 0.f);
  Blob MaxPool(const Blob& in, int kernel, int stride, Padding padding);
  Blob AvgPool(const Blob& in, int kernel, int stride, Padding padding);
  Blob GlobalAvgPool(const Blob& in);
  // Elementwise sum. `wide` may have more channels than `narrow`; the missing channels of
  // `narrow` count as zeros (face-api's zero-channel-padded shortcut).
  Blob Sum(const Blob& wide, const Blob& narrow);
  Blob Sum3(const Blob& a, const Blob& b, const Blob& c);
  // One zero row at the bottom and one zero column at the right.
  Blob PadBottomRight(const Blob& in);
  // Fully connected over the flattened input. `weights` is [in,out]; `bias` may be null.
  Blob Dense(const Blob& in, const Tensor& weights, const Tensor* bias);

  // The finished net; the builder must not be used afterwards.
  cv::dnn::Net Finish() { return std::move(net_); }

 private:
  Blob Add(const std::string& type, cv::dnn::LayerParams& params, std::initializer_list<Blob> in,
           Blob out);
  Blob Pool(const Blob& in, const char* kind, int kernel, int stride, Padding padding);
  Blob FastConvBlock(const Blob& in, const ConvSpec& spec, const ConvWeights& w,
                     const Blob* residual, bool relu, float negative_slope,
                     const Blob* pool_shortcut = nullptr);

  cv::dnn::Net net_;
  Blob input_;
  bool fast_conv_ = false;
  int counter_ = 0;
};

// True if ConvPoolShortcut can join a conv output of `conv_h` x `conv_w` with the pool of
// `block_in`: the same size, or one row and column smaller.
bool PoolShortcutFits(int conv_h, int conv_w, const Blob& block_in);

// Output size of a conv/pool along one axis, TensorFlow rules.
int OutputSize(int in, int kernel, int stride, Padding padding, int explicit_pad = 0);

}  // namespace oversight::matcher::internal
