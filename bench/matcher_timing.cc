// Per-stage inference time of the matcher's three nets, and the whole pipeline per face.
//
//   matcher_timing <models dir> <image>... [--reps N] [--threads T]
//
// Each net is timed on its real input size (detector 416, landmarks 112, recognition 150)
// with a warm-up pass first, twice in the same run, forward by forward alternately: as the
// pipeline builds it (FastConv where the CPU has AVX-512F) and with OpenCV's own conv layers
// only, so machine noise hits both alike. Then FaceModel::Analyze is timed on each image.
// Prints medians and p99 in milliseconds (and, per net, the median process CPU time per
// forward), the recognition net's GFLOP/s, the thread count and the load average. Threads: OpenCV's
// default (all cores) unless --threads is given.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "fast_conv.h"
#include "matcher_peak.h"
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
  std::printf("%-40s median %7.2f ms   p99 %7.2f ms   (n=%zu)\n", what, median, p99, ms.size());
}

// Process CPU time in ms. With --threads 1 it is the forward's own compute time, which other
// processes on a busy machine inflate far less than the wall time.
double CpuMs() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

struct Samples {
  std::vector<double> wall, cpu;
  void Add(const std::function<void()>& f) {
    const double c0 = CpuMs();
    const auto t0 = Clock::now();
    f();
    wall.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    cpu.push_back(CpuMs() - c0);
  }
  void Report(const std::string& what) {
    std::sort(wall.begin(), wall.end());
    std::sort(cpu.begin(), cpu.end());
    std::printf("%-40s median %7.2f ms   p99 %7.2f ms   (n=%zu)   cpu median %7.2f ms\n",
                what.c_str(), wall[wall.size() / 2],
                wall[std::min(wall.size() - 1, wall.size() * 99 / 100)], wall.size(),
                cpu[cpu.size() / 2]);
  }
};

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

// Times the two builds of one net alternately; returns the first's median in ms.
template <typename Build>
double TimeNetPair(const std::string& what, Build build, int size, int reps) {
  auto ours = build(internal::ConvBackend::kAuto);
  auto stock = build(internal::ConvBackend::kOpenCv);
  if (!ours.ok() || !stock.ok()) {
    std::fprintf(stderr, "%s: cannot build the net\n", what.c_str());
    return 0;
  }
  const int dims[] = {1, 3, size, size};
  cv::Mat blob(4, dims, CV_32F);
  cv::randu(blob, -0.5, 0.5);
  (void)internal::RunNet(*ours, blob);  // warm-up: first forward allocates
  (void)internal::RunNet(*stock, blob);
  Samples a, b;
  for (int i = 0; i < reps; ++i) {
    a.Add([&] { (void)internal::RunNet(*ours, blob); });
    b.Add([&] { (void)internal::RunNet(*stock, blob); });
  }
  a.Report(what);
  b.Report(what + ", OpenCV conv");
  return a.wall[a.wall.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <models dir> <image>... [--reps N] [--threads T]\n", argv[0]);
    return 2;
  }
  int reps = 50;
  std::vector<std::string> images;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      cv::setNumThreads(std::max(1, std::atoi(argv[++i])));
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
  std::printf("threads %d, FastConv %s, load average %s\n", cv::getNumThreads(),
              internal::FastConvAvailable() ? "on" : "off (no AVX-512F)", LoadAverage().c_str());
  using internal::ConvBackend;
  TimeNetPair(
      "detector forward @416",
      [&](ConvBackend b) { return internal::BuildDetectorNet(*det, 416, b); }, 416, reps);
  TimeNetPair(
      "landmark68 forward @112", [&](ConvBackend b) { return internal::BuildLandmarkNet(*lm, b); },
      112, reps);
  TimeNetPair(
      "landmark68_tiny forward @112",
      [&](ConvBackend b) { return internal::BuildLandmarkNet(*lmt, b); }, 112, reps);
  const double rec_ms = TimeNetPair(
      "recognition forward @150",
      [&](ConvBackend b) { return internal::BuildRecognitionNet(*rec, b); }, 150, reps);
  auto rec_net = internal::BuildRecognitionNet(*rec);
  const double gflop =
      static_cast<double>(rec_net->getFLOPS(cv::dnn::MatShape{1, 3, 150, 150})) / 1e9;
  const oversight::bench::FmaPeak peak = oversight::bench::MeasureFmaPeak(cv::getNumThreads());
  std::printf("recognition: %.3f GFLOP per forward, %.1f GFLOP/s at the median\n", gflop,
              gflop / rec_ms * 1e3);
  std::printf(
      "FMA peak (%s, measured now): %.0f GFLOP/s one core, %.0f GFLOP/s %d threads; "
      "floor %.2f ms\n",
      peak.width, peak.per_core, peak.all_cores, cv::getNumThreads(), gflop / peak.all_cores * 1e3);

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
  std::printf("load average after: %s\n", LoadAverage().c_str());
  return 0;
}
