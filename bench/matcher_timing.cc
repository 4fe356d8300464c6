// Per-stage inference time of the matcher's three nets, and the whole pipeline per face.
//
//   matcher_timing <models dir> <image>... [--reps N]
//
// Each net is timed on its real input size (detector 416, landmarks 112, recognition 150)
// with a warm-up pass first; then FaceModel::Analyze is timed on each image. Prints medians
// and p99 in milliseconds. Threads: OpenCV's default (all cores).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "nets.h"
#include "oversight/matcher/face_model.h"
#include "oversight/matcher/model_files.h"

using oversight::matcher::FaceModel;
namespace internal = oversight::matcher::internal;

namespace {

using Clock = std::chrono::steady_clock;

template <typename F>
std::vector<double> TimeMs(int reps, F&& f) {
  f();  // warm-up: first forward allocates
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms;
}

void Report(const char* what, const std::vector<double>& ms, double per = 1) {
  const double median = ms[ms.size() / 2] / per;
  const double p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)] / per;
  std::printf("%-34s median %7.2f ms   p99 %7.2f ms   (n=%zu)\n", what, median, p99, ms.size());
}

void TimeNet(const char* what, oversight::StatusOr<cv::dnn::Net> net, int size, int reps) {
  if (!net.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, net.status().ToString().c_str());
    return;
  }
  const int dims[] = {1, 3, size, size};
  cv::Mat blob(4, dims, CV_32F);
  cv::randu(blob, -0.5, 0.5);
  Report(what, TimeMs(reps, [&] { (void)internal::RunNet(*net, blob); }));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <models dir> <image>... [--reps N]\n", argv[0]);
    return 2;
  }
  int reps = 50;
  std::vector<std::string> images;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else {
      images.push_back(argv[i]);
    }
  }
  const std::string dir = oversight::matcher::ResolveModelDir(argv[1]);
  using namespace oversight::matcher;
  auto det = LoadWeights(dir, kDetectorModel);
  auto lm = LoadWeights(dir, kLandmarkModel);
  auto lmt = LoadWeights(dir, kLandmarkTinyModel);
  auto rec = LoadWeights(dir, kRecognitionModel);
  if (!det.ok() || !lm.ok() || !lmt.ok() || !rec.ok()) {
    std::fprintf(stderr, "cannot load weights from %s\n", dir.c_str());
    return 2;
  }
  TimeNet("detector forward @416", internal::BuildDetectorNet(*det, 416), 416, reps);
  TimeNet("landmark68 forward @112", internal::BuildLandmarkNet(*lm), 112, reps);
  TimeNet("landmark68_tiny forward @112", internal::BuildLandmarkNet(*lmt), 112, reps);
  TimeNet("recognition forward @150", internal::BuildRecognitionNet(*rec), 150, reps);

  auto model = FaceModel::Load(argv[1]);
  if (!model.ok()) return 2;
  for (const std::string& path : images) {
    std::ifstream in(path, std::ios::binary);
    const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
    auto first = (*model)->Analyze(bytes);
    if (!first.ok() || first->faces.empty()) continue;
    const double faces = static_cast<double>(first->faces.size());
    const std::string label =
        "Analyze per face (" + std::to_string(first->faces.size()) + " faces)";
    std::printf("%s %dx%d\n", path.c_str(), first->image.width, first->image.height);
    Report(label.c_str(), TimeMs(std::max(3, reps / 10), [&] { (void)(*model)->Analyze(bytes); }),
           faces);
  }
  return 0;
}
