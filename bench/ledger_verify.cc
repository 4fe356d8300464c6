// bench/ledger_verify: `verify` of an N-entry ledger (default 1,000,000) as a ratio to plain
// SHA-256 hashing of the same entry bytes, measured in the same run.
//
//   build/bench/ledger_verify [--entries N] [--dir DIR] [--keep]  (--keep leaves DIR/kept)
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
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--keep") == 0) keep = true;
    if (i + 1 >= argc) break;
    if (std::strcmp(argv[i], "--entries") == 0) entries = std::stoull(argv[i + 1]);
    if (std::strcmp(argv[i], "--dir") == 0) parent = argv[i + 1];
  }
  std::printf("ledger_verify: %s\n", MachineDescription().c_str());
  ScratchDir dir(parent);
  auto paths = ledger::LedgerPaths::InDirectory(dir.path());
  if (!ledger::Ledger::Create(paths, "bench.oversight.local/ledger").ok()) std::abort();
  auto start = SteadyClock::now();
  Fill(paths, entries);
  std::printf("filled %llu entries in %.1f s\n", static_cast<unsigned long long>(entries),
              SecondsSince(start));

  start = SteadyClock::now();
  auto report = ledger::VerifyLedger(paths, {});
  double verify_s = SecondsSince(start);
  if (!report.ok() || !report->ok) std::abort();

  auto all = ReadAll(paths, entries);
  std::uint64_t bytes = 0;
  start = SteadyClock::now();
  Hash256 acc{};
  for (const auto& e : all) {
    Hash256 h = Sha256(e);
    acc[0] ^= h[0];  // keep the hashing observable
    bytes += e.size();
  }
  double hash_s = SecondsSince(start);
  std::printf("verify:   %.3f s  (%.0f entries/s, %.1f MB/s)\n", verify_s,
              double(entries) / verify_s, double(bytes) / verify_s / 1e6);
  std::printf("sha256:   %.3f s  (%.0f entries/s, %.1f MB/s) [%02x]\n", hash_s,
              double(entries) / hash_s, double(bytes) / hash_s / 1e6, acc[0]);
  std::printf("verify rate / hashing rate: %.0f%%  (mean entry %.0f bytes)\n",
              100.0 * hash_s / verify_s, double(bytes) / double(entries));
  if (keep) {
    std::string kept = parent + "/kept";
    std::filesystem::remove_all(kept);
    std::filesystem::rename(dir.path(), kept);
    std::printf("ledger kept in %s\n", kept.c_str());
  }
  return 0;
}
