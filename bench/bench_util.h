// Small helpers shared by the hand-written benchmarks.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace oversight::bench {

inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The median of a non-empty sample.
double Median(std::vector<double> v);

// A fresh directory under `parent`, removed on destruction.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& parent);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// "Linux 6.1 x86_64, 2 CPUs (model name), 23 GiB" for the record in docs/performance.md.
std::string MachineDescription();

}  // namespace oversight::bench
