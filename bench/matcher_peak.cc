#include "matcher_peak.h"

#include <immintrin.h>

#include <chrono>
#include <thread>
#include <vector>

namespace oversight::bench {
namespace {

// 12 independent FMA chains: more than FMA latency x FMA pipes on current x86 cores, so the
// loop is limited by FMA throughput alone.
constexpr int kChains = 12;
constexpr long kIterations = 20'000'000;

volatile float g_sink;

// The same loop at each width; the intrinsics need the target attribute on the function
// that holds the vectors, so the two cannot share a template.
__attribute__((target("avx512f"))) double Loop512() {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  const __m512 mul = _mm512_set1_ps(0.999999f), add = _mm512_set1_ps(1e-7f);
  for (long n = 0; n < kIterations; ++n) {
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], mul, add);
  }
  float sum = 0;
  for (int i = 0; i < kChains; ++i) sum += _mm512_cvtss_f32(acc[i]);
  g_sink = sum;  // keeps the loop alive
  return 2.0 * kChains * kIterations * 16;
}

__attribute__((target("avx2,fma"))) double Loop256() {
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  const __m256 mul = _mm256_set1_ps(0.999999f), add = _mm256_set1_ps(1e-7f);
  for (long n = 0; n < kIterations; ++n) {
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], mul, add);
  }
  float sum = 0;
  for (int i = 0; i < kChains; ++i) sum += _mm256_cvtss_f32(acc[i]);
  g_sink = sum;
  return 2.0 * kChains * kIterations * 8;
}

// GFLOP/s of `threads` threads running the loop at once.
double Run(bool wide, int threads) {
  std::vector<double> flops(threads);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&flops, t, wide] { flops[t] = wide ? Loop512() : Loop256(); });
  }
  for (std::thread& th : pool) th.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double total = 0;
  for (double f : flops) total += f;
  return total / s / 1e9;
}

}  // namespace

FmaPeak MeasureFmaPeak(int threads) {
  const bool wide = __builtin_cpu_supports("avx512f");
  return {wide ? "512-bit" : "256-bit", Run(wide, 1), Run(wide, threads)};
}

}  // namespace oversight::bench
