// <immintrin.h> for the AVX-512 layers (fast_conv.cc, fast_pool.cc). Private.
//
// GCC 12 reports the deliberately undefined pass-through operand inside its own AVX-512
// shuffle intrinsics as uninitialised once they are inlined; the warning is about the header.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
