#include "fast_conv.h"

#include <algorithm>
#include <cstring>
#include <opencv2/dnn/shape_utils.hpp>
#include <vector>

#include "avx512_intrinsics.h"

namespace oversight::matcher::internal {
namespace {

constexpr const char* kLayerType = "OversightFastConv";

// Where the input planes sit in the (possibly zero-padded) buffer the kernel reads.
struct Geometry {
  int c = 0, h = 0, w = 0;  // input
  int oh = 0, ow = 0;       // output
  int top = 0, left = 0;    // zeros before the input
  int hp = 0, wp = 0;       // padded plane
  bool padded() const { return hp != h || wp != w; }
  bool operator==(const Geometry&) const = default;
};

// Leading zeros and output size along one axis, TensorFlow's SAME rule or explicit padding.
void Axis(int in, const FastConvSpec& s, int& before, int& out, int& padded) {
  if (s.same) {
    out = (in + s.stride - 1) / s.stride;
    const int total = std::max((out - 1) * s.stride + s.kernel - in, 0);
    before = total / 2;
    padded = in + total;
  } else {
    out = (in + 2 * s.pad - s.kernel) / s.stride + 1;
    before = s.pad;
    padded = in + 2 * s.pad;
  }
}

Geometry MakeGeometry(const cv::dnn::MatShape& in, const FastConvSpec& s) {
  Geometry g;
  g.c = in[1];
  g.h = in[2];
  g.w = in[3];
  Axis(g.h, s, g.top, g.oh, g.hp);
  Axis(g.w, s, g.left, g.ow, g.wp);
  return g;
}

// Where a tile's results go: `valid` positions of the block's channel planes, `plane` floats
// apart, plus the residual at the same offsets if there is one.
struct TileOut {
  float* out = nullptr;
  const float* res = nullptr;
  std::size_t plane = 0;
  int valid = 0;
  bool relu = false;
  float slope = 0.f;
};

// rows[j] = element j of every row, for a 16x16 block held in 16 registers.
__attribute__((target("avx512f"))) inline void Transpose16(__m512* r) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);
    t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xDD);
  }
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
  }
}

// The accumulators hold one position's 16 channels each, but NCHW wants each channel's
// positions together: transpose in registers, then one masked vector store per channel (a
// scalar scatter here cost as much as the FMAs for the narrow early layers).
template <int P>
__attribute__((target("avx512f"))) inline void StoreHalf(const __m512* acc, const TileOut& t,
                                                         std::size_t first_channel) {
  __m512 rows[16];
  for (int j = 0; j < 16; ++j) rows[j] = j < P ? acc[j] : _mm512_setzero_ps();
  Transpose16(rows);
  const __mmask16 mask = static_cast<__mmask16>((1u << t.valid) - 1);
  for (int k = 0; k < 16; ++k) {
    const std::size_t at = (first_channel + k) * t.plane;
    __m512 v = rows[k];
    if (t.res) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, t.res + at));
    if (t.relu) v = _mm512_max_ps(v, _mm512_mul_ps(v, _mm512_set1_ps(t.slope)));
    _mm512_mask_storeu_ps(t.out + at, mask, v);
  }
}

// How far ahead to prefetch weights, in bytes. The late 256-channel layers stream 2.4 MB of
// float weights per conv for only 16 output positions, and the hardware prefetcher alone left
// the loop waiting on memory.
constexpr int kPrefetchBytes = 1024;

// 16 weights of one tap: floats as they are, or bytes dequantised as q * scale + shift.
__attribute__((target("avx512f"))) inline __m512 LoadWeights(const float* w, __m512, __m512) {
  return _mm512_loadu_ps(w);
}
__attribute__((target("avx512f"))) inline __m512 LoadWeights(const std::uint8_t* w, __m512 scale,
                                                             __m512 shift) {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w));
  return _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(bytes)), scale, shift);
}

// The weights of one tile: V consecutive 16-channel blocks of [taps][16] elements of type W
// (float, or uint8 with a per-channel scale and shift).
struct TileWeights {
  const void* w = nullptr;
  const float* scale = nullptr;  // uint8 only
  const float* shift = nullptr;
};

// One tile of 16V output channels x P output positions, starting from the bias. Each step
// broadcasts one input value per position and multiplies it into 16V weights, so the weights
// are read once per tile and the V*P accumulators stay in registers.
template <typename W, int V, int P>
__attribute__((target("avx512f"))) void ConvTile(const float* const* xp, const int* off, int taps,
                                                 const TileWeights& tw, const float* bias,
                                                 const TileOut& out) {
  const W* w = static_cast<const W*>(tw.w);
  const std::size_t block = static_cast<std::size_t>(taps) * kFastConvLanes;
  __m512 acc[V][P], scale[V], shift[V];
  for (int v = 0; v < V; ++v) {
    const __m512 b = _mm512_loadu_ps(bias + kFastConvLanes * v);
    for (int j = 0; j < P; ++j) acc[v][j] = b;
    scale[v] = tw.scale ? _mm512_loadu_ps(tw.scale + kFastConvLanes * v) : _mm512_setzero_ps();
    shift[v] = tw.shift ? _mm512_loadu_ps(tw.shift + kFastConvLanes * v) : _mm512_setzero_ps();
  }
  for (int r = 0; r < taps; ++r, w += kFastConvLanes) {
    __m512 wv[V];
    for (int v = 0; v < V; ++v) {
      _mm_prefetch(reinterpret_cast<const char*>(w + v * block) + kPrefetchBytes, _MM_HINT_T0);
      wv[v] = LoadWeights(w + v * block, scale[v], shift[v]);
    }
    const int o = off[r];
#pragma GCC unroll 16
    for (int j = 0; j < P; ++j) {
      const __m512 x = _mm512_set1_ps(xp[j][o]);
#pragma GCC unroll 2
      for (int v = 0; v < V; ++v) acc[v][j] = _mm512_fmadd_ps(wv[v], x, acc[v][j]);
    }
  }
  for (int v = 0; v < V; ++v) StoreHalf<P>(acc[v], out, kFastConvLanes * v);
}

using TileFn = void (*)(const float* const*, const int*, int, const TileWeights&, const float*,
                        const TileOut&);

constexpr int kMaxTile = 16;

// Positions per tile: the cheapest count, so small late layers (4x4, 3x3) are not padded up
// to 12 positions. With one vector of channels (V = 1) there are registers for 16.
int PickTile(int positions, int vectors) {
  int best = 8, best_cost = 1 << 30;
  static constexpr int kTwo[] = {12, 10, 9, 8};
  static constexpr int kOne[] = {16, 12, 9, 8};
  for (int p : vectors == 2 ? kTwo : kOne) {
    const int tiles = (positions + p - 1) / p;
    const int cost = tiles * (p + 2);  // +2: per-tile overhead, in position-equivalents
    if (cost < best_cost) {
      best = p;
      best_cost = cost;
    }
  }
  return best;
}

template <typename W>
TileFn TileFor(int vectors, int p) {
  if (vectors == 1) {
    switch (p) {
      case 8:
        return ConvTile<W, 1, 8>;
      case 9:
        return ConvTile<W, 1, 9>;
      case 12:
        return ConvTile<W, 1, 12>;
      default:
        return ConvTile<W, 1, 16>;
    }
  }
  switch (p) {
    case 8:
      return ConvTile<W, 2, 8>;
    case 9:
      return ConvTile<W, 2, 9>;
    case 10:
      return ConvTile<W, 2, 10>;
    default:
      return ConvTile<W, 2, 12>;
  }
}

// OIHW [K][taps] -> [K/16][taps][16]: a tile's 16 channels of one tap are contiguous.
template <typename W>
std::vector<W> Pack(const W* src, int k_out, int taps) {
  std::vector<W> out(static_cast<std::size_t>(k_out) * taps);
  constexpr int kL = kFastConvLanes;
  for (int k = 0; k < k_out; ++k)
    for (int r = 0; r < taps; ++r)
      out[(static_cast<std::size_t>(k / kL) * taps + r) * kL + k % kL] =
          src[static_cast<std::size_t>(k) * taps + r];
  return out;
}

class FastConvLayer : public cv::dnn::Layer {
 public:
  explicit FastConvLayer(const cv::dnn::LayerParams& p);

  static cv::Ptr<cv::dnn::Layer> Create(cv::dnn::LayerParams& p) {
    return cv::makePtr<FastConvLayer>(p);
  }

  bool getMemoryShapes(const std::vector<cv::dnn::MatShape>& inputs, int,
                       std::vector<cv::dnn::MatShape>& outputs,
                       std::vector<cv::dnn::MatShape>&) const override {
    const Geometry g = MakeGeometry(inputs[0], spec_);
    if (spec_.pool_shortcut) {
      outputs.assign(1,
                     cv::dnn::MatShape{inputs[0][0], k_out_, inputs[1][2] / 2, inputs[1][3] / 2});
    } else {
      outputs.assign(1, cv::dnn::MatShape{inputs[0][0], k_out_, g.oh, g.ow});
    }
    return false;
  }

  int64 getFLOPS(const std::vector<cv::dnn::MatShape>& inputs,
                 const std::vector<cv::dnn::MatShape>& outputs) const override {
    // The conv's own output, which a pool shortcut's output may exceed by a row and column.
    const Geometry g = MakeGeometry(inputs[0], spec_);
    const int64 positions = static_cast<int64>(outputs[0][0]) * k_out_ * g.oh * g.ow;
    return 2LL * positions * inputs[0][1] * spec_.kernel * spec_.kernel;
  }

  void forward(cv::InputArrayOfArrays inputs, cv::OutputArrayOfArrays outputs,
               cv::OutputArrayOfArrays) override;

 private:
  void Prepare(const cv::dnn::MatShape& in);
  void PrepareStripes();
  const float* PaddedInput(const float* x);
  // One tile: output channel block `block`, positions [first, first + valid). `x` holds
  // padded rows from `row0 * stride` on, `offsets` per tap for its plane height.
  void RunTile(int block, int first, int valid, const float* x, int row0, const int* offsets,
               const float* res, float* out, bool relu) const;
  void RunItem(int item, const float* x, const float* res, float* out, bool relu) const;
  void RunStripe(int stripe, const float* in, const float* res, float* out, bool relu);
  void RunConv(const float* in, const float* res, float* out, bool relu);
  const float* PooledShortcut(const cv::Mat& block_in, int n);
  void AddPadded(const float* conv, const float* pooled, float* out, int ph, int pw) const;

  FastConvSpec spec_;
  int k_out_ = 0;
  int taps_ = 0;                        // C * k * k
  std::vector<float> packed_;           // [K/16][taps][16], or empty if bytes_ holds them
  std::vector<std::uint8_t> bytes_;     // the same layout, quantised
  std::vector<float> wscale_, wshift_;  // [K]: weight = byte * wscale + wshift
  std::vector<float> bias_;             // [K]
  Geometry geo_;                        // of the last input; the tables below follow it
  std::vector<int> offsets_;            // per tap: offset of (c, ky, kx) in the padded input
  std::vector<float> padded_;           // the zero-padded input, if padding is needed
  std::vector<float> pooled_;  // pool_shortcut: the pooled shortcut, zero after its channels
  std::vector<float> conv_;    // pool_shortcut with a smaller conv output: the conv's output
  int vectors_ = 2;            // channel vectors per tile: 2, or 1 (see Prepare)
  int block_ = 32;             // output channels per tile, 16 * vectors_
  int tile_ = 12, tiles_ = 0;
  TileFn tile_fn_ = nullptr;
  // Row stripes (see PrepareStripes): one per thread, each with its own padded rows ("slab").
  int stripes_ = 0;                        // 0: not striped
  int slab_rows_ = 0;                      // rows per slab plane, the largest stripe's
  std::vector<int> slab_offsets_;          // per tap, for slab planes of slab_rows_ rows
  std::vector<std::vector<float>> slabs_;  // [stripe][c][slab_rows_][wp]
};

FastConvLayer::FastConvLayer(const cv::dnn::LayerParams& p) {
  setParamsFrom(p);
  spec_.kernel = p.get<int>("kernel_size");
  spec_.stride = p.get<int>("stride");
  spec_.same = p.get<bool>("same");
  spec_.pad = p.get<int>("pad");
  spec_.relu = p.get<bool>("relu");
  spec_.negative_slope = p.get<float>("negative_slope");
  spec_.pool_shortcut = p.get<bool>("pool_shortcut", false);
  const cv::Mat& w = blobs.at(0);  // OIHW
  k_out_ = w.size[0];
  taps_ = w.size[1] * w.size[2] * w.size[3];
  CV_Assert(k_out_ % kFastConvLanes == 0 && w.isContinuous());
  if (blobs.size() == 4) {  // FastConvByteParams
    CV_Assert(w.type() == CV_8U);
    bytes_ = Pack(w.ptr<std::uint8_t>(), k_out_, taps_);
    wscale_.assign(blobs[2].ptr<float>(), blobs[2].ptr<float>() + k_out_);
    wshift_.assign(blobs[3].ptr<float>(), blobs[3].ptr<float>() + k_out_);
  } else {
    CV_Assert(w.type() == CV_32F);
    packed_ = Pack(w.ptr<float>(), k_out_, taps_);
  }
  bias_.assign(blobs.at(1).ptr<float>(), blobs.at(1).ptr<float>() + k_out_);
  blobs.clear();  // the packed copies hold them; no need to keep two per net
}

void FastConvLayer::Prepare(const cv::dnn::MatShape& in) {
  const Geometry g = MakeGeometry(in, spec_);
  if (g == geo_ && !offsets_.empty()) return;
  geo_ = g;
  const int k = spec_.kernel;
  offsets_.resize(taps_);
  for (int c = 0; c < g.c; ++c)
    for (int y = 0; y < k; ++y)
      for (int x = 0; x < k; ++x) offsets_[(c * k + y) * k + x] = (c * g.hp + y) * g.wp + x;
  // Two channel vectors per tile share each broadcast, but one vector leaves registers for 16
  // positions: for 13-16 positions (the 4x4 layers) that reads each weight once, not twice.
  const int positions = g.oh * g.ow;
  const bool one = k_out_ % (2 * kFastConvLanes) != 0 || (positions > 12 && positions <= 16);
  vectors_ = one ? 1 : 2;
  block_ = kFastConvLanes * vectors_;
  tile_ = PickTile(positions, vectors_);
  tiles_ = (g.oh * g.ow + tile_ - 1) / tile_;
  tile_fn_ =
      bytes_.empty() ? TileFor<float>(vectors_, tile_) : TileFor<std::uint8_t>(vectors_, tile_);
  padded_.clear();  // PaddedInput allocates it if the layer is not striped
  stripes_ = -1;    // PrepareStripes decides, for the thread count of the forward
}

// Stripe s computes tiles [s * tiles / S, (s + 1) * tiles / S) of every channel block: the
// same amount of work each, whole tiles, contiguous positions.
struct StripeSpan {
  int first = 0, end = 0;  // output positions
  int row0 = 0, rows = 0;  // output rows they touch
};

StripeSpan SpanOf(int s, int stripes, int tiles, int tile, int ow, int positions) {
  StripeSpan span;
  span.first = s * tiles / stripes * tile;
  span.end = std::min(positions, (s + 1) * tiles / stripes * tile);
  span.row0 = span.first / ow;
  span.rows = (span.end - 1) / ow + 1 - span.row0;
  return span;
}

// Input rows (padded) that a stripe's output rows read.
int InputRows(const StripeSpan& span, const FastConvSpec& spec) {
  return (span.rows - 1) * spec.stride + spec.kernel;
}

// Striping pays where a layer has many positions and few channel blocks (the early layers):
// each thread then pads and convolves its own rows, so a layer's input is mostly what the
// same core wrote in the layer before. A shared padded copy and tiles dealt out dynamically
// moved every plane between the cores' caches: the 32-channel layers ran no faster on two
// threads than on one (docs/matcher.md "Timing"). Late layers (5x5) keep the dynamic split.
constexpr int kMinRowsPerStripe = 4;

void FastConvLayer::PrepareStripes() {
  const int threads = std::max(1, cv::getNumThreads());
  int stripes = std::min({threads, geo_.oh / kMinRowsPerStripe, tiles_});
  if (stripes < 2) stripes = 0;
  if (stripes == stripes_) return;
  stripes_ = stripes;
  slabs_.clear();
  if (stripes_ == 0 || !geo_.padded()) return;  // unpadded: the stripes read the input itself
  const int k = spec_.kernel;
  slab_rows_ = 0;
  for (int s = 0; s < stripes_; ++s) {
    const StripeSpan span = SpanOf(s, stripes_, tiles_, tile_, geo_.ow, geo_.oh * geo_.ow);
    slab_rows_ = std::max(slab_rows_, InputRows(span, spec_));
  }
  slab_offsets_.resize(taps_);
  for (int c = 0; c < geo_.c; ++c)
    for (int y = 0; y < k; ++y)
      for (int x = 0; x < k; ++x)
        slab_offsets_[(c * k + y) * k + x] = (c * slab_rows_ + y) * geo_.wp + x;
  slabs_.assign(stripes_,
                std::vector<float>(static_cast<std::size_t>(geo_.c) * slab_rows_ * geo_.wp, 0.f));
}

// The borders of padded_ stay zero; only the interior is rewritten.
const float* FastConvLayer::PaddedInput(const float* x) {
  if (!geo_.padded()) return x;
  if (padded_.empty()) padded_.assign(static_cast<std::size_t>(geo_.c) * geo_.hp * geo_.wp, 0.f);
  for (int c = 0; c < geo_.c; ++c)
    for (int y = 0; y < geo_.h; ++y)
      std::memcpy(
          &padded_[(static_cast<std::size_t>(c) * geo_.hp + y + geo_.top) * geo_.wp + geo_.left],
          x + (static_cast<std::size_t>(c) * geo_.h + y) * geo_.w, sizeof(float) * geo_.w);
  return padded_.data();
}

void FastConvLayer::RunTile(int block, int first, int valid, const float* x, int row0,
                            const int* offsets, const float* res, float* out, bool relu) const {
  const int positions = geo_.oh * geo_.ow;
  const float* xp[kMaxTile];
  // One division per tile, not per position: it showed up in layers with few taps.
  int oy = first / geo_.ow, ox = first % geo_.ow;
  for (int j = 0; j < valid; ++j) {
    xp[j] = x + ((oy - row0) * geo_.wp + ox) * spec_.stride;
    if (++ox == geo_.ow) {
      ox = 0;
      ++oy;
    }
  }
  for (int j = valid; j < tile_; ++j) xp[j] = xp[valid - 1];  // spare lanes: the last position
  const std::size_t k0 = static_cast<std::size_t>(block) * block_;
  const std::size_t at = k0 * positions + first;
  const TileOut t{out + at, res ? res + at : nullptr, static_cast<std::size_t>(positions), valid,
                  relu,     spec_.negative_slope};
  TileWeights tw;
  if (bytes_.empty()) {
    tw.w = &packed_[k0 * taps_];
  } else {
    tw = {&bytes_[k0 * taps_], &wscale_[k0], &wshift_[k0]};
  }
  tile_fn_(xp, offsets, taps_, tw, &bias_[k0], t);
}

void FastConvLayer::RunItem(int item, const float* x, const float* res, float* out,
                            bool relu) const {
  const int block = item / tiles_, first = (item % tiles_) * tile_;
  const int valid = std::min(tile_, geo_.oh * geo_.ow - first);
  RunTile(block, first, valid, x, 0, offsets_.data(), res, out, relu);
}

// Pads the input rows stripe `s` reads into its slab (whose zeros stay from PrepareStripes),
// then computes every channel block of its positions.
void FastConvLayer::RunStripe(int s, const float* in, const float* res, float* out, bool relu) {
  const StripeSpan span = SpanOf(s, stripes_, tiles_, tile_, geo_.ow, geo_.oh * geo_.ow);
  const float* x = in;
  int row0 = 0;
  const int* offsets = offsets_.data();
  if (geo_.padded()) {
    float* slab = slabs_[s].data();
    const int first_row = span.row0 * spec_.stride - geo_.top;  // input row of slab row 0
    const int rows = InputRows(span, spec_);
    for (int c = 0; c < geo_.c; ++c)
      for (int i = std::max(0, -first_row); i < rows && first_row + i < geo_.h; ++i)
        std::memcpy(slab + (static_cast<std::size_t>(c) * slab_rows_ + i) * geo_.wp + geo_.left,
                    in + (static_cast<std::size_t>(c) * geo_.h + first_row + i) * geo_.w,
                    sizeof(float) * geo_.w);
    x = slab;
    row0 = span.row0;
    offsets = slab_offsets_.data();
  }
  for (int block = 0; block < k_out_ / block_; ++block)
    for (int first = span.first; first < span.end; first += tile_)
      RunTile(block, first, std::min(tile_, span.end - first), x, row0, offsets, res, out, relu);
}

void FastConvLayer::RunConv(const float* in, const float* res, float* out, bool relu) {
  PrepareStripes();
  if (stripes_ > 0) {
    cv::parallel_for_(
        cv::Range(0, stripes_),
        [&](const cv::Range& r) {
          for (int s = r.start; s < r.end; ++s) RunStripe(s, in, res, out, relu);
        },
        stripes_);
    return;
  }
  const float* x = PaddedInput(in);
  const int items = k_out_ / block_ * tiles_;
  cv::parallel_for_(
      cv::Range(0, items),
      [&](const cv::Range& r) {
        for (int i = r.start; i < r.end; ++i) RunItem(i, x, res, out, relu);
      },
      items);
}

// The 2x2/2 'valid' average pool of image n of the block's input, as K channels (the ones
// past the input's stay zero from the first call).
const float* FastConvLayer::PooledShortcut(const cv::Mat& block_in, int n) {
  const int c = block_in.size[1], h = block_in.size[2], w = block_in.size[3];
  const int ph = h / 2, pw = w / 2;
  const std::size_t size = static_cast<std::size_t>(k_out_) * ph * pw;
  if (pooled_.size() != size) pooled_.assign(size, 0.f);
  const float* src = block_in.ptr<float>() + static_cast<std::size_t>(n) * c * h * w;
  for (int ch = 0; ch < c; ++ch)
    for (int y = 0; y < ph; ++y) {
      const float* r0 = src + (static_cast<std::size_t>(ch) * h + 2 * y) * w;
      const float* r1 = r0 + w;
      float* dst = &pooled_[(static_cast<std::size_t>(ch) * ph + y) * pw];
      for (int x = 0; x < pw; ++x)
        dst[x] = (r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1]) * 0.25f;
    }
  return pooled_.data();
}

// out = ReLU(conv, zero-padded at the bottom and right to ph x pw, + pooled).
void FastConvLayer::AddPadded(const float* conv, const float* pooled, float* out, int ph,
                              int pw) const {
  for (int k = 0; k < k_out_; ++k)
    for (int y = 0; y < ph; ++y)
      for (int x = 0; x < pw; ++x) {
        const std::size_t at = (static_cast<std::size_t>(k) * ph + y) * pw + x;
        float v = pooled[at];
        if (y < geo_.oh && x < geo_.ow) {
          v += conv[(static_cast<std::size_t>(k) * geo_.oh + y) * geo_.ow + x];
        }
        out[at] = spec_.relu ? std::max(v, v * spec_.negative_slope) : v;
      }
}

void FastConvLayer::forward(cv::InputArrayOfArrays inputs_arr, cv::OutputArrayOfArrays outputs_arr,
                            cv::OutputArrayOfArrays) {
  std::vector<cv::Mat> inputs, outputs;
  inputs_arr.getMatVector(inputs);
  outputs_arr.getMatVector(outputs);
  const cv::Mat& in = inputs[0];
  Prepare(cv::dnn::shape(in));
  const std::size_t in_step = static_cast<std::size_t>(geo_.c) * geo_.h * geo_.w;
  const std::size_t out_step = outputs[0].total(1);
  const int ph = outputs[0].size[2], pw = outputs[0].size[3];
  for (int n = 0; n < in.size[0]; ++n) {
    const float* x = in.ptr<float>() + n * in_step;
    float* out = outputs[0].ptr<float>() + n * out_step;
    if (!spec_.pool_shortcut) {
      const float* res = inputs.size() > 1 ? inputs[1].ptr<float>() + n * out_step : nullptr;
      RunConv(x, res, out, spec_.relu);
    } else if (ph == geo_.oh && pw == geo_.ow) {
      RunConv(x, PooledShortcut(inputs[1], n), out, spec_.relu);
    } else {
      const float* pooled = PooledShortcut(inputs[1], n);
      conv_.resize(static_cast<std::size_t>(k_out_) * geo_.oh * geo_.ow);
      RunConv(x, nullptr, conv_.data(), false);
      AddPadded(conv_.data(), pooled, out, ph, pw);
    }
  }
}

}  // namespace

bool FastConvAvailable() {
  static const bool available = [] {
    if (!__builtin_cpu_supports("avx512f")) return false;
    cv::dnn::LayerFactory::registerLayer(kLayerType, FastConvLayer::Create);
    return true;
  }();
  return available;
}

cv::dnn::LayerParams FastConvByteParams(const FastConvSpec& spec, const cv::Mat& oihw_bytes,
                                        const cv::Mat& scale, const cv::Mat& shift,
                                        const cv::Mat& bias) {
  cv::dnn::LayerParams p = FastConvParams(spec, oihw_bytes, bias);
  p.blobs.push_back(scale);
  p.blobs.push_back(shift);
  return p;
}

cv::dnn::LayerParams FastConvParams(const FastConvSpec& spec, const cv::Mat& oihw,
                                    const cv::Mat& bias) {
  cv::dnn::LayerParams p;
  p.type = kLayerType;
  p.set("kernel_size", spec.kernel);
  p.set("stride", spec.stride);
  p.set("same", spec.same);
  p.set("pad", spec.pad);
  p.set("relu", spec.relu);
  p.set("negative_slope", spec.negative_slope);
  p.set("pool_shortcut", spec.pool_shortcut);
  p.blobs = {oihw, bias};
  return p;
}

}  // namespace oversight::matcher::internal
