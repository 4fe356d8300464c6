// 1:N search speed of FaceIndex against the memory-bandwidth floor.
//
//   matcher_search [--sizes 10000,100000,1000000] [--queries 20]
//
// Fills an index with synthetic descriptors (normal, sd 0.12, like real ones), then times
// top-10 searches at distance 0.6. The floor is the time to read the same number of bytes
// once (a vectorised sum over an equal-sized buffer, best of the runs): a search cannot beat
// it, and the goal is within 2x at 1M. Also prints the index's memory per descriptor.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "oversight/matcher/face_index.h"

using oversight::matcher::Descriptor;
using oversight::matcher::FaceIndex;
using Clock = std::chrono::steady_clock;

namespace {

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Time to stream `floats` floats once; `sink` keeps the compiler from dropping the loop.
double StreamFloorMs(const std::vector<float>& buf, int reps, float* sink) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    float lanes[16] = {};
    for (std::size_t i = 0; i + 16 <= buf.size(); i += 16) {
      for (int j = 0; j < 16; ++j) lanes[j] += buf[i + j];
    }
    best = std::min(best, Ms(t0, Clock::now()));
    for (float v : lanes) *sink += v;
  }
  return best;
}

long RssKb() {
  FILE* f = std::fopen("/proc/self/status", "r");
  char line[256];
  long kb = 0;
  while (f && std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) kb = std::atol(line + 6);
  }
  if (f) std::fclose(f);
  return kb;
}

void Run(std::size_t n, int queries, std::mt19937& rng) {
  std::normal_distribution<float> dist(0.f, 0.12f);
  auto random_descriptor = [&] {
    Descriptor d{};
    for (float& v : d) v = dist(rng);
    return d;
  };
  const long rss_before = RssKb();
  FaceIndex index;
  for (std::size_t i = 0; i < n; ++i) (void)index.Add(std::to_string(i), random_descriptor());
  const long rss_after = RssKb();
  std::vector<double> ms;
  for (int q = 0; q < queries; ++q) {
    const Descriptor query = random_descriptor();
    const auto t0 = Clock::now();
    const auto hits = index.Search(query, 10, 0.6f);
    ms.push_back(Ms(t0, Clock::now()));
    if (hits.size() > 10) std::abort();
  }
  std::sort(ms.begin(), ms.end());
  std::vector<float> same_bytes(n * oversight::matcher::kDescriptorSize, 1.f);
  float sink = 0;
  const double floor = StreamFloorMs(same_bytes, queries, &sink);
  std::printf(
      "%9zu faces: search median %8.3f ms, p99 %8.3f ms; stream floor %8.3f ms "
      "(%.2fx); %.0f bytes/face resident%s\n",
      n, ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)], floor,
      ms[ms.size() / 2] / floor,
      1024.0 * static_cast<double>(rss_after - rss_before) / static_cast<double>(n),
      sink == 42.f ? " " : "");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes = {10'000, 100'000, 1'000'000};
  int queries = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--queries") == 0) queries = std::max(1, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--sizes") == 0) {
      sizes.clear();
      std::stringstream ss(argv[i + 1]);
      for (std::string s; std::getline(ss, s, ',');) sizes.push_back(std::stoul(s));
    }
  }
  std::mt19937 rng(1);
  for (std::size_t n : sizes) Run(n, queries, rng);
  return 0;
}
