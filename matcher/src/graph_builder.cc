#include "graph_builder.h"

#include <cstdlib>

#include "fast_conv.h"
#include "fast_pool.h"

namespace oversight::matcher::internal {
namespace {

// HWIO [k,k,in,out] -> OIHW [out,in,k,k], optionally scaling output channel o by scale[o].
cv::Mat FiltersToOihw(const Tensor& f, const Tensor* scale) {
  const int kh = f.shape[0], kw = f.shape[1], ci = f.shape[2], co = f.shape[3];
  const int sizes[] = {co, ci, kh, kw};
  cv::Mat out(4, sizes, CV_32F);
  float* dst = out.ptr<float>();
  for (int y = 0; y < kh; ++y)
    for (int x = 0; x < kw; ++x)
      for (int i = 0; i < ci; ++i)
        for (int o = 0; o < co; ++o) {
          const float s = scale ? scale->values[o] : 1.f;
          dst[((o * ci + i) * kh + y) * kw + x] = f.values[((y * kw + x) * ci + i) * co + o] * s;
        }
  return out;
}

// Quantised HWIO bytes [k,k,in,out] -> OIHW bytes [out,in,k,k].
cv::Mat BytesToOihw(const Tensor& f) {
  const int kh = f.shape[0], kw = f.shape[1], ci = f.shape[2], co = f.shape[3];
  const int sizes[] = {co, ci, kh, kw};
  cv::Mat out(4, sizes, CV_8U);
  std::uint8_t* dst = out.ptr<std::uint8_t>();
  for (int y = 0; y < kh; ++y)
    for (int x = 0; x < kw; ++x)
      for (int i = 0; i < ci; ++i)
        for (int o = 0; o < co; ++o)
          dst[((o * ci + i) * kh + y) * kw + x] = f.quantised[((y * kw + x) * ci + i) * co + o];
  return out;
}

// Depthwise [k,k,C,1] -> [C,1,k,k].
cv::Mat DepthwiseToOihw(const Tensor& f) {
  const int kh = f.shape[0], kw = f.shape[1], c = f.shape[2];
  const int sizes[] = {c, 1, kh, kw};
  cv::Mat out(4, sizes, CV_32F);
  float* dst = out.ptr<float>();
  for (int y = 0; y < kh; ++y)
    for (int x = 0; x < kw; ++x)
      for (int ch = 0; ch < c; ++ch) dst[(ch * kh + y) * kw + x] = f.values[(y * kw + x) * c + ch];
  return out;
}

cv::Mat FoldedBias(int channels, const Tensor* bias, const Tensor* scale, const Tensor* shift) {
  cv::Mat b(1, channels, CV_32F);
  for (int o = 0; o < channels; ++o) {
    float v = bias ? bias->values[o] : 0.f;
    if (scale) v *= scale->values[o];
    if (shift) v += shift->values[o];
    b.at<float>(o) = v;
  }
  return b;
}

// A stride-1 'same' conv over a 1x1 input reads only its centre tap; the other taps only ever
// multiply padding zeros, so dropping them gives the same sums without streaming their weights.
bool ReadsOnlyCentre(const Blob& in, const ConvSpec& spec) {
  return in.h == 1 && in.w == 1 && spec.kernel % 2 == 1 && spec.stride == 1 &&
         spec.padding == Padding::kSame && spec.explicit_pad == 0 && !spec.depthwise;
}

// HWIO [k,k,in,out] -> [1,1,in,out] at the centre tap (quantised bytes too, if any).
Tensor CentreTap(const Tensor& f) {
  const int k = f.shape[0], ci = f.shape[2], co = f.shape[3];
  const std::ptrdiff_t at = static_cast<std::ptrdiff_t>(k / 2 * k + k / 2) * ci * co;
  Tensor t;
  t.shape = {1, 1, ci, co};
  t.values.assign(f.values.begin() + at, f.values.begin() + at + ci * co);
  if (!f.quantised.empty()) {
    t.quantised.assign(f.quantised.begin() + at, f.quantised.begin() + at + ci * co);
    t.quant_scale = f.quant_scale;
    t.quant_min = f.quant_min;
  }
  return t;
}

// `w`, or its centre tap alone (held in `centre`, `spec` made 1x1) if only that is read.
ConvWeights CentreOnly(const Blob& in, ConvSpec& spec, const ConvWeights& w, Tensor& centre) {
  if (!ReadsOnlyCentre(in, spec)) return w;
  centre = CentreTap(*w.filters);
  spec.kernel = 1;
  ConvWeights used = w;
  used.filters = &centre;
  return used;
}

// At most this many output positions, a conv streams more weight bytes than it has FMAs to
// hide them behind (the recognition net's 256-channel 4x4, 3x3 and 1x1 maps: 2.4 MB of float
// weights per conv): those take their quantised weights as bytes when the file has them.
constexpr int kWeightBoundPositions = 16;

// Layer params with the weights as bytes; the conv's per-channel scale folds into the
// dequantisation: weight = byte * (quant_scale * s[o]) + quant_min * s[o].
cv::dnn::LayerParams ByteParams(const FastConvSpec& spec, const ConvWeights& w, int out_c) {
  cv::Mat scale(1, out_c, CV_32F), shift(1, out_c, CV_32F);
  for (int o = 0; o < out_c; ++o) {
    const float s = w.scale ? w.scale->values[o] : 1.f;
    scale.at<float>(o) = w.filters->quant_scale * s;
    shift.at<float>(o) = w.filters->quant_min * s;
  }
  return FastConvByteParams(spec, BytesToOihw(*w.filters), scale, shift,
                            FoldedBias(out_c, w.bias, w.scale, w.shift));
}

}  // namespace

bool PoolShortcutFits(int conv_h, int conv_w, const Blob& block_in) {
  const int ph = block_in.h / 2, pw = block_in.w / 2;
  return (conv_h == ph && conv_w == pw) || (conv_h + 1 == ph && conv_w + 1 == pw);
}

int OutputSize(int in, int kernel, int stride, Padding padding, int explicit_pad) {
  if (explicit_pad > 0) return (in + 2 * explicit_pad - kernel) / stride + 1;
  if (padding == Padding::kSame) return (in + stride - 1) / stride;
  return (in - kernel) / stride + 1;
}

GraphBuilder::GraphBuilder(int channels, int height, int width, ConvBackend backend)
    : input_{0, channels, height, width},
      fast_conv_(backend == ConvBackend::kAuto && FastConvAvailable()) {}

Blob GraphBuilder::Add(const std::string& type, cv::dnn::LayerParams& params,
                       std::initializer_list<Blob> in, Blob out) {
  params.name = type + std::to_string(++counter_);
  params.type = type;
  out.id = net_.addLayer(params.name, type, params);
  int port = 0;
  for (const Blob& b : in) net_.connect(b.id, 0, out.id, port++);
  return out;
}

Blob GraphBuilder::Conv(const Blob& in, const ConvSpec& spec, const Tensor& filters,
                        const Tensor* bias, const Tensor* out_scale, const Tensor* out_shift) {
  const int out_c = spec.depthwise ? in.c : filters.shape[3];
  cv::dnn::LayerParams p;
  p.set("kernel_size", spec.kernel);
  p.set("stride", spec.stride);
  p.set("num_output", out_c);
  p.set("group", spec.depthwise ? in.c : 1);
  if (spec.explicit_pad > 0) {
    p.set("pad", spec.explicit_pad);
  } else {
    p.set("pad_mode", spec.padding == Padding::kSame ? "SAME" : "VALID");
  }
  const bool has_bias = bias || out_shift;
  p.set("bias_term", has_bias);
  p.blobs.push_back(spec.depthwise ? DepthwiseToOihw(filters) : FiltersToOihw(filters, out_scale));
  if (has_bias) p.blobs.push_back(FoldedBias(out_c, bias, out_scale, out_shift));
  const int h = OutputSize(in.h, spec.kernel, spec.stride, spec.padding, spec.explicit_pad);
  const int w = OutputSize(in.w, spec.kernel, spec.stride, spec.padding, spec.explicit_pad);
  return Add("Convolution", p, {in}, Blob{0, out_c, h, w});
}

Blob GraphBuilder::ConvBlock(const Blob& in, ConvSpec spec, const ConvWeights& w,
                             const Blob* residual, bool relu, float negative_slope) {
  Tensor centre;
  const ConvWeights used = CentreOnly(in, spec, w, centre);
  if (fast_conv_ && !spec.depthwise && used.filters->shape[3] % kFastConvLanes == 0) {
    return FastConvBlock(in, spec, used, residual, relu, negative_slope);
  }
  Blob x = Conv(in, spec, *used.filters, used.bias, used.scale, used.shift);
  if (residual) x = Sum(x, *residual);
  return relu ? Relu(x, negative_slope) : x;
}

Blob GraphBuilder::ConvPoolShortcut(const Blob& in, ConvSpec spec, const ConvWeights& w,
                                    const Blob& block_in) {
  Tensor centre;
  const ConvWeights used = CentreOnly(in, spec, w, centre);
  const int out_c = used.filters->shape[3];
  if (fast_conv_ && !spec.depthwise && out_c % kFastConvLanes == 0 && block_in.c <= out_c) {
    return FastConvBlock(in, spec, used, nullptr, true, 0.f, &block_in);
  }
  Blob x = Conv(in, spec, *used.filters, used.bias, used.scale, used.shift);
  const Blob pooled = AvgPool(block_in, 2, 2, Padding::kValid);
  if (x.h + 1 == pooled.h && x.w + 1 == pooled.w) x = PadBottomRight(x);
  return Relu(Sum(x, pooled));
}

Blob GraphBuilder::FastConvBlock(const Blob& in, const ConvSpec& spec, const ConvWeights& w,
                                 const Blob* residual, bool relu, float negative_slope,
                                 const Blob* pool_shortcut) {
  const int out_c = w.filters->shape[3];
  const FastConvSpec fs{.kernel = spec.kernel,
                        .stride = spec.stride,
                        .same = spec.explicit_pad == 0 && spec.padding == Padding::kSame,
                        .pad = spec.explicit_pad,
                        .relu = relu,
                        .negative_slope = negative_slope,
                        .pool_shortcut = pool_shortcut != nullptr};
  const Blob out{0, out_c,
                 OutputSize(in.h, spec.kernel, spec.stride, spec.padding, spec.explicit_pad),
                 OutputSize(in.w, spec.kernel, spec.stride, spec.padding, spec.explicit_pad)};
  const bool bytes = !w.filters->quantised.empty() && out.h * out.w <= kWeightBoundPositions;
  cv::dnn::LayerParams p = bytes ? ByteParams(fs, w, out_c)
                                 : FastConvParams(fs, FiltersToOihw(*w.filters, w.scale),
                                                  FoldedBias(out_c, w.bias, w.scale, w.shift));
  if (pool_shortcut) {
    if (!PoolShortcutFits(out.h, out.w, *pool_shortcut)) std::abort();
    return Add(p.type, p, {in, *pool_shortcut},
               Blob{0, out_c, pool_shortcut->h / 2, pool_shortcut->w / 2});
  }
  if (!residual) return Add(p.type, p, {in}, out);
  if (residual->c != out.c || residual->h != out.h || residual->w != out.w) std::abort();
  return Add(p.type, p, {in, *residual}, out);
}

Blob GraphBuilder::Relu(const Blob& in, float negative_slope) {
  cv::dnn::LayerParams p;
  if (negative_slope != 0.f) p.set("negative_slope", negative_slope);
  return Add("ReLU", p, {in}, Blob{0, in.c, in.h, in.w});
}

Blob GraphBuilder::Pool(const Blob& in, const char* kind, int kernel, int stride, Padding padding) {
  cv::dnn::LayerParams p;
  p.set("pool", kind);
  p.set("kernel_size", kernel);
  p.set("stride", stride);
  // Explicit pad_mode: Caffe's default ceil mode would give 36 instead of TF's 35.
  p.set("pad_mode", padding == Padding::kSame ? "SAME" : "VALID");
  return Add("Pooling", p, {in},
             Blob{0, in.c, OutputSize(in.h, kernel, stride, padding),
                  OutputSize(in.w, kernel, stride, padding)});
}

Blob GraphBuilder::MaxPool(const Blob& in, int kernel, int stride, Padding padding) {
  if (fast_conv_ && FastMaxPoolFits(kernel, stride, padding == Padding::kValid)) {
    cv::dnn::LayerParams p = FastMaxPoolParams(kernel);
    return Add(p.type, p, {in},
               Blob{0, in.c, OutputSize(in.h, kernel, stride, padding),
                    OutputSize(in.w, kernel, stride, padding)});
  }
  return Pool(in, "max", kernel, stride, padding);
}

Blob GraphBuilder::AvgPool(const Blob& in, int kernel, int stride, Padding padding) {
  return Pool(in, "ave", kernel, stride, padding);
}

Blob GraphBuilder::GlobalAvgPool(const Blob& in) {
  cv::dnn::LayerParams p;
  p.set("pool", "ave");
  p.set("global_pooling", true);
  return Add("Pooling", p, {in}, Blob{0, in.c, 1, 1});
}

Blob GraphBuilder::Sum(const Blob& wide, const Blob& narrow) {
  if (wide.c < narrow.c || wide.h != narrow.h || wide.w != narrow.w) std::abort();
  cv::dnn::LayerParams p;
  p.set("operation", "sum");
  if (wide.c != narrow.c) p.set("output_channels_mode", "input_0");
  return Add("Eltwise", p, {wide, narrow}, Blob{0, wide.c, wide.h, wide.w});
}

Blob GraphBuilder::Sum3(const Blob& a, const Blob& b, const Blob& c) {
  cv::dnn::LayerParams p;
  p.set("operation", "sum");
  return Add("Eltwise", p, {a, b, c}, Blob{0, a.c, a.h, a.w});
}

Blob GraphBuilder::PadBottomRight(const Blob& in) {
  cv::dnn::LayerParams p;
  const int pads[] = {0, 0, 0, 0, 0, 1, 0, 1};  // (before, after) for N, C, H, W
  p.set("paddings", cv::dnn::DictValue::arrayInt(pads, 8));
  return Add("Padding", p, {in}, Blob{0, in.c, in.h + 1, in.w + 1});
}

Blob GraphBuilder::Dense(const Blob& in, const Tensor& weights, const Tensor* bias) {
  const int n_in = weights.shape[0], n_out = weights.shape[1];
  if (n_in != in.c * in.h * in.w) std::abort();
  cv::Mat w(n_out, n_in, CV_32F);
  for (int i = 0; i < n_in; ++i)
    for (int o = 0; o < n_out; ++o) w.at<float>(o, i) = weights.values[i * n_out + o];
  cv::dnn::LayerParams p;
  p.set("num_output", n_out);
  p.set("axis", 1);
  p.set("bias_term", bias != nullptr);
  p.blobs.push_back(w);
  if (bias) p.blobs.push_back(FoldedBias(n_out, bias, nullptr, nullptr));
  return Add("InnerProduct", p, {in}, Blob{0, n_out, 1, 1});
}

}  // namespace oversight::matcher::internal
