// The machine's FP32 FMA peak, measured, so the recognition net's GFLOP/s can be stated as a
// fraction of what these cores really do rather than of a datasheet guess.
#pragma once

namespace oversight::bench {

struct FmaPeak {
  const char* width;  // "512-bit" or "256-bit", whichever is the widest this CPU runs
  double per_core;    // GFLOP/s, one thread
  double all_cores;   // GFLOP/s, `threads` threads at once
};

FmaPeak MeasureFmaPeak(int threads);

}  // namespace oversight::bench
