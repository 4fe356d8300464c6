// FastConv: a dense convolution layer for cv::dnn with bias, an optional residual input and an
// optional ReLU fused in, written for AVX-512.
//
// Why: OpenCV 4.6's CPU convolution uses 256-bit vectors and runs the recognition net at
// ~55 GFLOP/s, a seventh of what this kind of CPU can do; its Eltwise sum is a separate pass
// over memory. FastConv vectorises over 32 output channels with 512-bit FMAs and writes
// bias + residual + ReLU in the same pass (docs/matcher.md "Timing"). It is only used where
// the CPU has AVX-512F; elsewhere the builder keeps OpenCV's own layers.
#pragma once

#include <opencv2/dnn.hpp>

namespace oversight::matcher::internal {

// Output channels per vector; a layer's output channels must be a multiple of it.
inline constexpr int kFastConvLanes = 16;

struct FastConvSpec {
  int kernel = 3;
  int stride = 1;
  bool same = true;  // TensorFlow 'SAME' padding; otherwise `pad` zeros on every side
  int pad = 0;
  bool relu = false;           // max(0, .) after bias and residual ...
  float negative_slope = 0.f;  // ... or, if not 0, leaky: x < 0 ? slope * x : x (slope < 1)
  // face-api's downsampling shortcut fused in: the second input is the block's input, of at
  // most K channels, and what is added is its 2x2/2 average pool with zero channels after its
  // own. The output has the pool's size; where the conv's output is one row and column short,
  // the conv counts as zero there (the graph's bottom/right zero padding).
  bool pool_shortcut = false;
};

// True if this CPU can run FastConv. Registers the layer type with cv::dnn on first call.
bool FastConvAvailable();

// Layer params for a FastConv layer. `oihw` is [K,C,k,k] with K a multiple of kFastConvLanes,
// `bias` has K values. The layer takes the input and, if it has a second input, adds it
// (same shape as the output) before the ReLU.
cv::dnn::LayerParams FastConvParams(const FastConvSpec& spec, const cv::Mat& oihw,
                                    const cv::Mat& bias);

// The same with the weights as bytes: weight[k][...] = oihw_bytes[k][...] * scale[k] +
// shift[k] (K values each). For layers whose time goes on streaming weights, not on FMAs:
// a quarter of the bytes.
cv::dnn::LayerParams FastConvByteParams(const FastConvSpec& spec, const cv::Mat& oihw_bytes,
                                        const cv::Mat& scale, const cv::Mat& shift,
                                        const cv::Mat& bias);

}  // namespace oversight::matcher::internal
