// FastMaxPool: max pooling with stride 2 and 'valid' padding (kernel 2 or 3) for cv::dnn,
// written for AVX-512.
//
// Why: OpenCV 4.6's max pooling took about 80 us per forward on the recognition net's stem
// output (32 x 72 x 72 -> 35 x 35), half a 3x3 conv layer of the net; this pass takes about
// half that, most of it reading the 660 KB input. Used only where FastConvAvailable()
// (fast_conv.h) is true.
#pragma once

#include <opencv2/dnn.hpp>

namespace oversight::matcher::internal {

// True if FastMaxPool handles this pooling (stride 2, kernel 2 or 3, 'valid').
bool FastMaxPoolFits(int kernel, int stride, bool valid);

// Layer params for a FastMaxPool layer. Registers the layer type with cv::dnn on first call;
// callers check FastConvAvailable() first.
cv::dnn::LayerParams FastMaxPoolParams(int kernel);

}  // namespace oversight::matcher::internal
