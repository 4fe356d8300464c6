// bench/ledger_append: durable appends per second with 1, 8 and 64 concurrent writers
// (256-byte payloads), and in the same run this disk's floor: raw write + fdatasync of
// 256-byte records in batches of the size the ledger's group commit actually formed.
//
//   build/bench/ledger_append [--seconds S] [--rounds R] [--dir DIR] [--writers N] [--async 1]
//
// --writers measures one concurrency only (default: 1, 8 and 64 in turn). Writers are threads
// blocked in Append by default; --async 1 makes them the proxy's kind instead, each keeping
// one AppendAsync in flight (RunLedgerAsync). "CPU us/rec" is the whole process's CPU time per
// append, appenders and committers together.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench_util.h"
#include "oversight/ledger/ledger.h"

namespace oversight::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::size_t kRecordBytes = 256;

struct LedgerRun {
  double per_second = 0;
  double mean_batch = 0;
  double cpu_us_per_append = 0;  // all of the process's threads: appenders and committer
};

double ProcessCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// The payload's canonical form is exactly 256 bytes: {"d":"<250 x>"}.
std::string Payload() { return "{\"d\":\"" + std::string(kRecordBytes - 8, 'x') + "\"}"; }

// A fresh ledger in a scratch directory; the ledger closes before the directory goes.
struct ScratchLedger {
  explicit ScratchLedger(const std::string& parent) : dir(parent) {
    auto paths = ledger::LedgerPaths::InDirectory(dir.path());
    if (!ledger::Ledger::Create(paths, "bench.oversight.local/ledger").ok()) std::abort();
    auto opened = ledger::Ledger::Open(paths);
    if (!opened.ok()) std::abort();
    ledger = std::move(opened).value();
  }
  ScratchDir dir;
  std::unique_ptr<ledger::Ledger> ledger;
};

// What a run measured, from the moment it started (wall clock and process CPU time).
LedgerRun Measured(const ledger::Ledger& ledger, SteadyClock::time_point start, double cpu_start) {
  const double elapsed = SecondsSince(start);
  const double cpu = ProcessCpuSeconds() - cpu_start;
  const auto stats = ledger.stats();
  return {double(stats.entries) / elapsed, double(stats.entries) / double(stats.commits),
          1e6 * cpu / double(stats.entries)};
}

LedgerRun RunLedger(const std::string& parent, int writers, double seconds) {
  ScratchLedger scratch(parent);
  ledger::Ledger* ledger = scratch.ledger.get();
  const std::string payload = Payload();
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  auto start = SteadyClock::now();
  const double cpu_start = ProcessCpuSeconds();
  for (int t = 0; t < writers; ++t) {
    threads.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        if (!ledger->Append("bench", payload).ok()) std::abort();
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : threads) th.join();
  return Measured(*ledger, start, cpu_start);
}

// The proxy's way: no thread waits per append. Each of `writers` logical writers keeps one
// append in flight; its completion (on the committer) hands the writer to one of two driver
// threads, as the proxy hands an answer to its I/O threads, which submits its next append.
LedgerRun RunLedgerAsync(const std::string& parent, int writers, double seconds) {
  ScratchLedger scratch(parent);
  ledger::Ledger* ledger = scratch.ledger.get();
  const std::string payload = Payload();
  std::mutex mu;
  std::condition_variable cv;
  int ready = 0;  // writers whose append completed, waiting for a driver to submit the next
  std::atomic<bool> stop{false};
  std::atomic<int> in_flight{0};
  auto submit = [&] {
    in_flight.fetch_add(1);
    ledger->AppendAsync("bench", payload, [&](StatusOr<ledger::Receipt> r) {
      if (!r.ok()) std::abort();
      {
        std::lock_guard lk(mu);
        ++ready;
      }
      cv.notify_one();
      in_flight.fetch_sub(1);  // last: the run may end once nothing is in flight
    });
  };
  auto start = SteadyClock::now();
  const double cpu_start = ProcessCpuSeconds();
  for (int w = 0; w < writers; ++w) submit();
  std::vector<std::thread> drivers;
  for (int t = 0; t < 2; ++t) {
    drivers.emplace_back([&] {
      for (;;) {
        int n;
        {
          std::unique_lock lk(mu);
          cv.wait(lk, [&] { return ready > 0 || stop.load(); });
          if (stop.load()) return;
          n = std::exchange(ready, 0);
        }
        for (int i = 0; i < n; ++i) submit();
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  {
    std::lock_guard lk(mu);
    stop = true;
  }
  cv.notify_all();
  for (auto& th : drivers) th.join();
  while (in_flight.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return Measured(*ledger, start, cpu_start);
}

// pwrite() each 256-byte record, fdatasync() once per batch: what any durable log must pay.
// The file is written with zeros and synced first, so the timed syncs flush data only (as the
// ledger's reused WAL does) rather than the file-size updates of a growing file.
double RunFloor(const std::string& parent, std::size_t batch, double seconds) {
  constexpr std::size_t kFileBytes = 64 << 20;
  ScratchDir dir(parent);
  std::string file = dir.path() + "/floor.log";
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT, 0600);
  if (fd < 0) std::abort();
  std::vector<char> zeros(1 << 20, 0);
  for (std::size_t off = 0; off < kFileBytes; off += zeros.size()) {
    if (::write(fd, zeros.data(), zeros.size()) != static_cast<ssize_t>(zeros.size())) std::abort();
  }
  if (::fsync(fd) != 0) std::abort();
  char record[kRecordBytes];
  std::memset(record, 'x', sizeof record);
  std::uint64_t records = 0;
  off_t offset = 0;
  auto start = SteadyClock::now();
  while (SecondsSince(start) < seconds) {
    for (std::size_t i = 0; i < batch; ++i) {
      if (::pwrite(fd, record, sizeof record, offset) != static_cast<ssize_t>(sizeof record)) {
        std::abort();
      }
      offset = (offset + static_cast<off_t>(sizeof record)) % static_cast<off_t>(kFileBytes);
    }
    if (::fdatasync(fd) != 0) std::abort();
    records += batch;
  }
  double elapsed = SecondsSince(start);
  ::close(fd);
  return double(records) / elapsed;
}

}  // namespace
}  // namespace oversight::bench

int main(int argc, char** argv) {
  using namespace oversight::bench;
  double seconds = 2;
  int rounds = 5;
  std::string parent = "build/bench-scratch";
  std::vector<int> concurrency = {1, 8, 64};
  bool async = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::stod(argv[i + 1]);
    if (std::strcmp(argv[i], "--dir") == 0) parent = argv[i + 1];
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::stoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--async") == 0) async = std::stoi(argv[i + 1]) != 0;
    if (std::strcmp(argv[i], "--writers") == 0) concurrency = {std::max(1, std::stoi(argv[i + 1]))};
  }
  std::printf("ledger_append: %s\n", MachineDescription().c_str());
  std::printf("median of %d alternating rounds of %.1f s each\n", rounds, seconds);
  std::printf("%-8s %14s %11s %10s %16s %8s\n", "writers", "ledger rec/s", "mean batch",
              "CPU us/rec", "floor rec/s", "ratio");
  for (int writers : concurrency) {
    // Ledger and floor alternate so a noisy neighbour hurts both alike; medians are reported.
    std::vector<double> ledger, floor, batch, cpu, ratio;
    for (int r = 0; r < rounds; ++r) {
      LedgerRun run =
          async ? RunLedgerAsync(parent, writers, seconds) : RunLedger(parent, writers, seconds);
      auto b = static_cast<std::size_t>(run.mean_batch + 0.5);
      double f = RunFloor(parent, b < 1 ? 1 : b, seconds);
      ledger.push_back(run.per_second);
      batch.push_back(run.mean_batch);
      cpu.push_back(run.cpu_us_per_append);
      floor.push_back(f);
      ratio.push_back(run.per_second / f);
    }
    std::printf("%-8d %14.0f %11.1f %10.1f %16.0f %7.0f%%\n", writers, Median(ledger),
                Median(batch), Median(cpu), Median(floor), 100.0 * Median(ratio));
    std::fflush(stdout);
  }
  return 0;
}
