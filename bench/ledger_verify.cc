// bench/ledger_verify: `verify` of an N-entry ledger (default 1,000,000) as a ratio to plain
// SHA-256 hashing of the same entry bytes, measured in the same run.
//
//   build/bench/ledger_verify [--entries N] [--dir DIR] [--rounds R] [--keep]  (--keep leaves
//   DIR/kept)
#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "oversight/common/hash.h"
#include "oversight/ledger/ledger.h"
#include "oversight/ledger/verify.h"

namespace oversight::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Fills the ledger quickly: many concurrent writers make large group commits.
void Fill(const ledger::LedgerPaths& paths, std::uint64_t entries) {
  ledger::LedgerOptions opts;
  opts.checkpoint_every_entries = 100000;
  auto ledger = ledger::Ledger::Open(paths, opts);
  if (!ledger.ok()) std::abort();
  std::atomic<std::uint64_t> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 256; ++t) {
    threads.emplace_back([&] {
      std::string payload =
          "{\"principal\":\"det.alvarez\",\"decision\":\"deny\",\"rules\":"
          "[\"baseline.warrant-required\"],\"probe_sha256\":\"" +
          std::string(64, 'a') + "\",\"n\":";
      for (std::uint64_t i; (i = next.fetch_add(1)) < entries;) {
        if (!(*ledger)->Append("search.decision", payload + std::to_string(i) + "}").ok()) {
          std::abort();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  if (!(*ledger)->Checkpoint().ok()) std::abort();
}

// CPU seconds (user + system) this process has used: with the wall times it shows how much of
// a busy machine each side got, since verification runs on every core and hashing on one.
double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

std::vector<std::string> ReadAll(const ledger::LedgerPaths& paths, std::uint64_t entries) {
  auto ledger = ledger::Ledger::Open(paths);
  if (!ledger.ok()) std::abort();
  std::vector<std::string> all;
  all.reserve(entries);
  Status st = (*ledger)->ReadEntries(0, entries, [&](std::uint64_t, std::string_view bytes) {
    all.emplace_back(bytes);
    return Status::Ok();
  });
  if (!st.ok()) std::abort();
  return all;
}

}  // namespace
}  // namespace oversight::bench

int main(int argc, char** argv) {
  using namespace oversight;
  using namespace oversight::bench;
  std::uint64_t entries = 1000000;
  std::string parent = "build/bench-scratch";
  bool keep = false;
  int rounds = 3;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--keep") == 0) keep = true;
    if (i + 1 >= argc) break;
    if (std::strcmp(argv[i], "--entries") == 0) entries = std::stoull(argv[i + 1]);
    if (std::strcmp(argv[i], "--dir") == 0) parent = argv[i + 1];
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::stoi(argv[i + 1]);
  }
  std::printf("ledger_verify: %s\n", MachineDescription().c_str());
  ScratchDir dir(parent);
  auto paths = ledger::LedgerPaths::InDirectory(dir.path());
  if (!ledger::Ledger::Create(paths, "bench.oversight.local/ledger").ok()) std::abort();
  auto start = SteadyClock::now();
  Fill(paths, entries);
  std::printf("filled %llu entries in %.1f s\n", static_cast<unsigned long long>(entries),
              SecondsSince(start));

  auto all = ReadAll(paths, entries);
  std::uint64_t bytes = 0;
  for (const auto& e : all) bytes += e.size();
  // Verification and plain hashing alternate; medians are reported (the machine is noisy).
  std::vector<double> verify_s, hash_s, ratio, verify_cpu, hash_cpu;
  Hash256 acc{};
  for (int r = 0; r < rounds; ++r) {
    start = SteadyClock::now();
    double cpu = CpuSeconds();
    auto report = ledger::VerifyLedger(paths, {});
    verify_s.push_back(SecondsSince(start));
    verify_cpu.push_back(CpuSeconds() - cpu);
    if (!report.ok() || !report->ok) std::abort();
    start = SteadyClock::now();
    cpu = CpuSeconds();
    for (const auto& e : all) acc[0] ^= Sha256(e)[0];  // keep the hashing observable
    hash_s.push_back(SecondsSince(start));
    hash_cpu.push_back(CpuSeconds() - cpu);
    ratio.push_back(hash_s.back() / verify_s.back());
  }
  double v = Median(verify_s), h = Median(hash_s);
  std::printf("median of %d alternating rounds [%02x]\n", rounds, acc[0]);
  std::printf("verify:   %.3f s  (%.0f entries/s, %.1f MB/s)\n", v, double(entries) / v,
              double(bytes) / v / 1e6);
  std::printf("sha256:   %.3f s  (%.0f entries/s, %.1f MB/s)\n", h, double(entries) / h,
              double(bytes) / h / 1e6);
  std::printf("verify rate / hashing rate: %.0f%%  (mean entry %.0f bytes)\n",
              100.0 * Median(ratio), double(bytes) / double(entries));
  std::printf("cpu time: verify %.3f s (%.2f us/entry), sha256 %.3f s (%.2f us/entry)\n",
              Median(verify_cpu), 1e6 * Median(verify_cpu) / double(entries), Median(hash_cpu),
              1e6 * Median(hash_cpu) / double(entries));
  if (keep) {
    std::string kept = parent + "/kept";
    std::filesystem::remove_all(kept);
    std::filesystem::rename(dir.path(), kept);
    std::printf("ledger kept in %s\n", kept.c_str());
  }
  return 0;
}
