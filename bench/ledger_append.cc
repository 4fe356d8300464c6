// bench/ledger_append: durable appends per second with 1, 8 and 64 concurrent writers
// (256-byte payloads), and in the same run this disk's floor: raw write + fdatasync of
// 256-byte records in batches of the size the ledger's group commit actually formed.
//
//   build/bench/ledger_append [--seconds S] [--rounds R] [--dir DIR] [--writers N] [--async 1]
//
// Each round creates a ledger, lets it fill its first WAL (kWarmUpCommits), then gives the
// disk to the ledger and to the floor in turns of 200 ms until each has had S seconds; the
// figures are the medians over R rounds. --writers measures one concurrency only (default: 1,
// 8 and 64 in turn). Writers are threads blocked in Append by default; --async 1 makes them
// the proxy's kind instead, each keeping one AppendAsync in flight (AsyncWriters). "CPU
// us/rec" is the whole process's CPU time per append while the ledger has the disk, appenders
// and committer together.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
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

// The ledger and the floor take turns on the disk in slices this long, so a change in the
// disk's speed (this VM's moves by 2x within seconds) reaches both sides of the comparison.
constexpr auto kSlice = std::chrono::milliseconds(200);

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

// N writers appending as fast as the ledger takes them, until destroyed. Pause() returns once
// no append is in flight; Resume() lets them go on. The state both kinds share is here; every
// change to it is made under mu_ and announced on changed_.
class Writers {
 public:
  virtual ~Writers() = default;
  virtual void Pause() = 0;
  void Resume() { Set(paused_, false); }

 protected:
  void Set(bool& flag, bool value) {
    {
      std::lock_guard lk(mu_);
      flag = value;
    }
    changed_.notify_all();
  }
  // Ends the run and joins the threads; each subclass's destructor calls it first, while the
  // members its threads use still exist.
  void Stop() {
    Set(over_, true);
    for (auto& th : threads_) th.join();
  }

  std::mutex mu_;
  std::condition_variable changed_;
  bool paused_ = false, over_ = false;
  std::vector<std::thread> threads_;
};

// Threads blocked in Append, one per writer.
class BlockingWriters : public Writers {
 public:
  BlockingWriters(ledger::Ledger& ledger, int writers) : writers_(writers) {
    for (int t = 0; t < writers; ++t) {
      threads_.emplace_back([this, &ledger, payload = Payload()] {
        while (Enter()) {
          if (!ledger.Append("bench", payload).ok()) std::abort();
        }
      });
    }
  }
  ~BlockingWriters() override { Stop(); }
  void Pause() override {
    std::unique_lock lk(mu_);
    paused_ = true;
    changed_.wait(lk, [&] { return parked_ == writers_; });
  }

 private:
  // Before each append: parks the writer while paused; false once the run is over.
  bool Enter() {
    std::unique_lock lk(mu_);
    if (paused_ && !over_) {
      ++parked_;
      changed_.notify_all();
      changed_.wait(lk, [&] { return !paused_ || over_; });
      --parked_;
    }
    return !over_;
  }

  const int writers_;
  int parked_ = 0;
};

// The proxy's way: no thread waits per append. Each writer keeps one AppendAsync in flight;
// its completion (on the committer) hands the writer to one of two driver threads, as the
// proxy hands an answer to its I/O threads, which submits the writer's next append.
class AsyncWriters : public Writers {
 public:
  AsyncWriters(ledger::Ledger& ledger, int writers) : ledger_(ledger), ready_(writers) {
    for (int t = 0; t < 2; ++t) threads_.emplace_back([this] { Drive(); });
  }
  ~AsyncWriters() override {
    Pause();  // nothing may complete into this object once it is gone
    Stop();
  }
  void Pause() override {
    std::unique_lock lk(mu_);
    paused_ = true;
    changed_.wait(lk, [&] { return in_flight_ == 0; });
  }

 private:
  void Drive() {
    for (;;) {
      int n;
      {
        std::unique_lock lk(mu_);
        changed_.wait(lk, [&] { return (ready_ > 0 && !paused_) || over_; });
        if (over_) return;
        n = std::exchange(ready_, 0);
        in_flight_ += n;
      }
      for (int i = 0; i < n; ++i) Submit();
    }
  }
  void Submit() {
    ledger_.AppendAsync("bench", payload_, [this](StatusOr<ledger::Receipt> r) {
      if (!r.ok()) std::abort();
      // Notified under the lock: once it is released, Pause() may return and this go.
      std::lock_guard lk(mu_);
      ++ready_;
      --in_flight_;
      changed_.notify_all();
    });
  }

  ledger::Ledger& ledger_;
  const std::string payload_ = Payload();
  int ready_;  // writers whose next append is still to submit
  int in_flight_ = 0;
};

// SQLite checkpoints the WAL into the database every 1,000 pages and then writes the WAL again
// from its start, so a long-running ledger syncs a WAL it overwrites, as the floor syncs a
// file written beforehand. A fresh ledger's first WAL grows instead, and every sync then also
// flushes the file's new size. Timing starts once that first WAL has been filled: each commit
// writes at least one page, so 1,100 commits fill it whatever the batch size.
constexpr std::uint64_t kWarmUpCommits = 1100;

void WaitForWarmUp(const ledger::Ledger& ledger) {
  while (ledger.stats().commits < kWarmUpCommits) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// The ledger's side of a round, summed over its slices.
struct LedgerTotals {
  double seconds = 0, cpu_seconds = 0;
  std::uint64_t entries = 0, commits = 0;

  double MeanBatch() const { return commits ? double(entries) / double(commits) : 1.0; }

  // Adds one slice of the ledger running alone.
  void Slice(const ledger::Ledger& ledger) {
    const auto t0 = SteadyClock::now();
    const double cpu0 = ProcessCpuSeconds();
    const ledger::LedgerStats s0 = ledger.stats();
    std::this_thread::sleep_for(kSlice);
    const ledger::LedgerStats s1 = ledger.stats();
    cpu_seconds += ProcessCpuSeconds() - cpu0;
    seconds += SecondsSince(t0);
    entries += s1.entries - s0.entries;
    commits += s1.commits - s0.commits;
  }
};

// The disk's floor: pwrite() each 256-byte record, fdatasync() once per batch, what any
// durable log must pay. The file is written with zeros and synced first, so the timed syncs
// flush data only (as the ledger's reused WAL does) rather than a growing file's new size.
class Floor {
 public:
  explicit Floor(const std::string& parent) : dir_(parent) {
    std::string file = dir_.path() + "/floor.log";
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) std::abort();
    std::vector<char> zeros(1 << 20, 0);
    for (std::size_t off = 0; off < kFileBytes; off += zeros.size()) {
      if (::write(fd_, zeros.data(), zeros.size()) != static_cast<ssize_t>(zeros.size())) {
        std::abort();
      }
    }
    if (::fsync(fd_) != 0) std::abort();
  }
  ~Floor() { ::close(fd_); }
  Floor(const Floor&) = delete;
  Floor& operator=(const Floor&) = delete;

  // One slice in batches of `batch` records.
  void Slice(std::size_t batch) {
    char record[kRecordBytes];
    std::memset(record, 'x', sizeof record);
    const auto start = SteadyClock::now();
    const auto end = start + kSlice;
    while (SteadyClock::now() < end) {
      for (std::size_t i = 0; i < batch; ++i) {
        if (::pwrite(fd_, record, sizeof record, offset_) != static_cast<ssize_t>(sizeof record)) {
          std::abort();
        }
        offset_ = (offset_ + static_cast<off_t>(sizeof record)) % static_cast<off_t>(kFileBytes);
      }
      if (::fdatasync(fd_) != 0) std::abort();
      records_ += batch;
    }
    seconds_ += SecondsSince(start);
  }
  double PerSecond() const { return double(records_) / seconds_; }

 private:
  static constexpr std::size_t kFileBytes = 64 << 20;
  ScratchDir dir_;
  int fd_ = -1;
  off_t offset_ = 0;
  std::uint64_t records_ = 0;
  double seconds_ = 0;
};

struct Round {
  double ledger_per_second = 0;
  double mean_batch = 0;
  double cpu_us_per_append = 0;  // all of the process's threads: appenders and committer
  double floor_per_second = 0;
};

// One round: a fresh ledger and floor file, the ledger warmed up, then slices of each in turn
// until each has run for `seconds`. The floor's batch is the ledger's mean batch so far.
Round RunRound(const std::string& parent, int writers, double seconds, bool async) {
  ScratchLedger scratch(parent);
  Floor floor(parent);
  LedgerTotals totals;
  {
    std::unique_ptr<Writers> running;
    if (async) {
      running = std::make_unique<AsyncWriters>(*scratch.ledger, writers);
    } else {
      running = std::make_unique<BlockingWriters>(*scratch.ledger, writers);
    }
    WaitForWarmUp(*scratch.ledger);
    while (totals.seconds < seconds) {
      totals.Slice(*scratch.ledger);
      running->Pause();
      floor.Slice(std::max<std::size_t>(1, std::lround(totals.MeanBatch())));
      running->Resume();
    }
  }
  return {double(totals.entries) / totals.seconds, totals.MeanBatch(),
          1e6 * totals.cpu_seconds / double(totals.entries), floor.PerSecond()};
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
  std::printf(
      "median of %d rounds; in each, the ledger and the floor take turns of %d ms for "
      "%.1f s each\n",
      rounds, static_cast<int>(kSlice.count()), seconds);
  std::printf("%-8s %14s %11s %10s %16s %8s\n", "writers", "ledger rec/s", "mean batch",
              "CPU us/rec", "floor rec/s", "ratio");
  for (int writers : concurrency) {
    std::vector<double> ledger, floor, batch, cpu, ratio;
    for (int r = 0; r < rounds; ++r) {
      const Round round = RunRound(parent, writers, seconds, async);
      ledger.push_back(round.ledger_per_second);
      batch.push_back(round.mean_batch);
      cpu.push_back(round.cpu_us_per_append);
      floor.push_back(round.floor_per_second);
      ratio.push_back(round.ledger_per_second / round.floor_per_second);
    }
    std::printf("%-8d %14.0f %11.1f %10.1f %16.0f %7.0f%%\n", writers, Median(ledger),
                Median(batch), Median(cpu), Median(floor), 100.0 * Median(ratio));
    std::fflush(stdout);
  }
  return 0;
}
