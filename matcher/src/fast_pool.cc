#include "fast_pool.h"

#include <mutex>
#include <opencv2/dnn/shape_utils.hpp>
#include <vector>

#include "avx512_intrinsics.h"

namespace oversight::matcher::internal {
namespace {

constexpr const char* kLayerType = "OversightFastMaxPool";
constexpr int kL = 16;

inline __mmask16 FirstLanes(int n) {
  if (n <= 0) return 0;
  return n >= kL ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1);
}

// Columns col.. col+15 of `kernel` rows `w` apart from `r`, their elementwise max; zeros from
// column `w` on (never stored: those lanes only feed outputs past the end).
__attribute__((target("avx512f"))) inline __m512 ColumnMax(const float* r, int col, int w,
                                                           int kernel) {
  const __mmask16 m = FirstLanes(w - col);
  __m512 v = _mm512_maskz_loadu_ps(m, r + col);
  for (int i = 1; i < kernel; ++i) v = _mm512_max_ps(v, _mm512_maskz_loadu_ps(m, r + i * w + col));
  return v;
}

// One channel: out[oy][ox] = max over rows 2oy.. and columns 2ox.. of `kernel` each, 16
// outputs at a time: the vertical max of 32 (+2) columns, then even and odd columns separated
// with permutes, straight from the input (no row buffer to keep per thread).
__attribute__((target("avx512f"))) void PoolPlane(const float* in, int w, int kernel, float* out,
                                                  int oh, int ow) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  for (int oy = 0; oy < oh; ++oy) {
    const float* r = in + static_cast<std::size_t>(2 * oy) * w;
    float* o = out + static_cast<std::size_t>(oy) * ow;
    for (int ox = 0; ox < ow; ox += kL) {
      const int col = 2 * ox;
      const __m512 a = ColumnMax(r, col, w, kernel), b = ColumnMax(r, col + kL, w, kernel);
      __m512 v =
          _mm512_max_ps(_mm512_permutex2var_ps(a, even, b), _mm512_permutex2var_ps(a, odd, b));
      if (kernel == 3) {
        const __m512 c = ColumnMax(r, col + 2, w, kernel);
        const __m512 d = ColumnMax(r, col + kL + 2, w, kernel);
        v = _mm512_max_ps(v, _mm512_permutex2var_ps(c, even, d));
      }
      _mm512_mask_storeu_ps(o + ox, FirstLanes(ow - ox), v);
    }
  }
}

class FastMaxPoolLayer : public cv::dnn::Layer {
 public:
  explicit FastMaxPoolLayer(const cv::dnn::LayerParams& p) {
    setParamsFrom(p);
    kernel_ = p.get<int>("kernel_size");
  }

  static cv::Ptr<cv::dnn::Layer> Create(cv::dnn::LayerParams& p) {
    return cv::makePtr<FastMaxPoolLayer>(p);
  }

  bool getMemoryShapes(const std::vector<cv::dnn::MatShape>& inputs, int,
                       std::vector<cv::dnn::MatShape>& outputs,
                       std::vector<cv::dnn::MatShape>&) const override {
    const cv::dnn::MatShape& in = inputs[0];
    outputs.assign(
        1, cv::dnn::MatShape{in[0], in[1], (in[2] - kernel_) / 2 + 1, (in[3] - kernel_) / 2 + 1});
    return false;
  }

  int64 getFLOPS(const std::vector<cv::dnn::MatShape>&,
                 const std::vector<cv::dnn::MatShape>& outputs) const override {
    return static_cast<int64>(cv::dnn::total(outputs[0])) * kernel_ * kernel_;  // as OpenCV's
  }

  void forward(cv::InputArrayOfArrays inputs_arr, cv::OutputArrayOfArrays outputs_arr,
               cv::OutputArrayOfArrays) override {
    std::vector<cv::Mat> inputs, outputs;
    inputs_arr.getMatVector(inputs);
    outputs_arr.getMatVector(outputs);
    const cv::Mat& in = inputs[0];
    cv::Mat& out = outputs[0];
    const int h = in.size[2], w = in.size[3], oh = out.size[2], ow = out.size[3];
    const int planes = in.size[0] * in.size[1];
    cv::parallel_for_(
        cv::Range(0, planes),
        [&](const cv::Range& r) {
          for (int p = r.start; p < r.end; ++p) {
            PoolPlane(in.ptr<float>() + static_cast<std::size_t>(p) * h * w, w, kernel_,
                      out.ptr<float>() + static_cast<std::size_t>(p) * oh * ow, oh, ow);
          }
        },
        planes);
  }

 private:
  int kernel_ = 3;
};

}  // namespace

bool FastMaxPoolFits(int kernel, int stride, bool valid) {
  return stride == 2 && (kernel == 2 || kernel == 3) && valid;
}

cv::dnn::LayerParams FastMaxPoolParams(int kernel) {
  static std::once_flag registered;
  std::call_once(registered, [] {
    cv::dnn::LayerFactory::registerLayer(kLayerType, FastMaxPoolLayer::Create);
  });
  cv::dnn::LayerParams p;
  p.type = kLayerType;
  p.set("kernel_size", kernel);
  return p;
}

}  // namespace oversight::matcher::internal
