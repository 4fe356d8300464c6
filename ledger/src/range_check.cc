#include "range_check.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace oversight::ledger {
namespace {

// About 15 ms of work per range: large enough that the per-range costs (a query, one page
// read twice at each boundary) vanish, small enough that the cores finish together.
constexpr std::uint64_t kMinRange = std::uint64_t{1} << 14;
// Bounds the ranges of a huge (or tampered: one stray high seq) table; ranges grow instead.
constexpr std::uint64_t kMaxRanges = 4096;
// Store::ForEachEntry cannot read past this seq, so neither does a single in-order reader.
constexpr auto kSeqLimit = static_cast<std::uint64_t>(INT64_MAX);
constexpr unsigned kMaxWorkers = 4;

// Ranges have a power-of-two size, so each range's tree joins the tree before it
// (MerkleTree::AppendTree).
struct Plan {
  std::uint64_t size = kSeqLimit + 1;  // unknown extent: one range, read in order
  std::uint64_t count = 0;
  std::uint64_t ranges = 1;
};

Plan MakePlan(Store& store) {
  auto extent = store.EntryCount();  // one past the highest stored seq
  if (!extent.ok()) return {};
  Plan p;
  const std::uint64_t n = std::min(*extent, kSeqLimit);
  p.size = std::max(kMinRange, std::bit_ceil((n + kMaxRanges - 1) / kMaxRanges));
  p.count = n;
  p.ranges = (n + p.size - 1) / p.size;
  return p;
}

// What a worker found in one range.
struct RangeResult {
  ChainChecker chain;                      // the entries accepted, from the range's start
  VerifyReport report;                     // the first problem inside the range, if any
  std::optional<std::uint64_t> first_seq;  // the first stored seq in the range
  Status read;                             // why reading stopped early, if the store failed

  void Restart(std::uint64_t lo) {
    chain.Restart(lo);
    report = {};
    first_seq.reset();
    read = Status::Ok();
  }
};

class RangeCheck {
 public:
  explicit RangeCheck(const Plan& plan) : plan_(plan), results_(plan.ranges) {}

  void Work(Store& store);
  // Joins the ranges in order as workers finish them; stops at the first problem.
  void JoinAll(ChainChecker& all, VerifyReport& report);

 private:
  void CheckRange(std::uint64_t index, Store& store, RangeResult& r) const;
  std::unique_ptr<RangeResult> Take(std::uint64_t index);
  // Joined results are reused: their trees' memory is already mapped, where fresh memory for
  // every range cost a page fault per 4 KiB (measured at about 5% of verification).
  std::unique_ptr<RangeResult> Recycled();
  void Recycle(std::unique_ptr<RangeResult> r);

  const Plan plan_;
  std::atomic<std::uint64_t> next_{0};
  // Ranges past a known problem are not worth checking: the report stops before them.
  std::atomic<std::uint64_t> stop_after_{UINT64_MAX};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<RangeResult>> results_;  // filled by workers, taken by JoinAll
  std::vector<std::unique_ptr<RangeResult>> spare_;    // joined, ready for reuse
};

void RangeCheck::CheckRange(std::uint64_t index, Store& store, RangeResult& r) const {
  const std::uint64_t lo = index * plan_.size;
  const std::uint64_t hi = plan_.size > kSeqLimit - lo ? kSeqLimit : lo + plan_.size;
  if (plan_.count > lo) r.chain.Reserve(std::min(plan_.size, plan_.count - lo));
  bool stopped = false;
  Status st = store.ForEachEntry(
      lo, hi, [&](std::uint64_t seq, std::string_view bytes, std::span<const std::uint8_t> stored) {
        if (!r.first_seq) r.first_seq = seq;
        Hash256 leaf{};  // a stored leaf of the wrong length stays zeros: a mismatch
        if (stored.size() == leaf.size()) std::memcpy(leaf.data(), stored.data(), leaf.size());
        stopped = !r.chain.Feed(seq, bytes, leaf, r.report) ||
                  stop_after_.load(std::memory_order_relaxed) < index;
        return stopped ? Status::Unavailable("stopped") : Status::Ok();
      });
  if (!stopped) r.read = st;
}

void RangeCheck::Work(Store& store) {
  for (;;) {
    const std::uint64_t index = next_.fetch_add(1);
    if (index >= plan_.ranges || index > stop_after_.load()) return;
    std::unique_ptr<RangeResult> result = Recycled();
    result->Restart(index * plan_.size);
    CheckRange(index, store, *result);
    const bool failed = !result->report.ok || !result->read.ok();
    if (failed) {
      std::uint64_t known = stop_after_.load();
      while (index < known && !stop_after_.compare_exchange_weak(known, index)) {
      }
    }
    std::lock_guard lk(mu_);
    results_[index] = std::move(result);
    cv_.notify_all();
  }
}

std::unique_ptr<RangeResult> RangeCheck::Recycled() {
  std::lock_guard lk(mu_);
  if (spare_.empty()) return std::make_unique<RangeResult>();
  std::unique_ptr<RangeResult> r = std::move(spare_.back());
  spare_.pop_back();
  return r;
}

void RangeCheck::Recycle(std::unique_ptr<RangeResult> r) {
  std::lock_guard lk(mu_);
  spare_.push_back(std::move(r));
}

std::unique_ptr<RangeResult> RangeCheck::Take(std::uint64_t index) {
  std::unique_lock lk(mu_);
  cv_.wait(lk, [&] { return results_[index] != nullptr; });
  return std::move(results_[index]);
}

// Joins one range to the entries before it; false once the report has its first problem.
bool JoinRange(ChainChecker& all, RangeResult& r, VerifyReport& report) {
  if (!r.first_seq) {
    if (r.read.ok()) return true;  // no entries stored in this range
    Fail(report, all.next_seq(), r.read.message());
    return false;
  }
  // Positions first: if the ranges before ended short, this range's first entry is not at the
  // position it was checked for, and the gap is the first problem.
  if (!all.CheckPosition(*r.first_seq, report) || !all.Join(r.chain, report)) return false;
  if (!r.report.ok) {
    Fail(report, r.report.bad_seq, r.report.problem);
    return false;
  }
  if (!r.read.ok()) {
    Fail(report, all.next_seq(), r.read.message());
    return false;
  }
  return true;
}

void RangeCheck::JoinAll(ChainChecker& all, VerifyReport& report) {
  for (std::uint64_t i = 0; i < plan_.ranges; ++i) {
    std::unique_ptr<RangeResult> r = Take(i);
    if (!JoinRange(all, *r, report)) {
      stop_after_.store(i);  // later ranges cannot change the report
      return;
    }
    Recycle(std::move(r));
  }
}

}  // namespace

StatusOr<ChainChecker> CheckStoredEntries(const std::string& db_path, const SecretBytes& key,
                                          Store& store, VerifyReport& report) {
  const Plan plan = MakePlan(store);
  const auto workers = static_cast<unsigned>(std::clamp<std::uint64_t>(
      std::min<std::uint64_t>(std::thread::hardware_concurrency(), plan.ranges), 1, kMaxWorkers));
  // The caller's connection serves one worker; each other worker reads through its own.
  std::vector<std::unique_ptr<Store>> stores;
  for (unsigned w = 1; w < workers; ++w) {
    OVERSIGHT_ASSIGN_OR_RETURN(auto extra, Store::Open(db_path, key, /*read_only=*/true));
    stores.push_back(std::move(extra));
  }
  ChainChecker all;
  all.Reserve(plan.count);
  RangeCheck check(plan);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { check.Work(store); });
  for (auto& s : stores) threads.emplace_back([&check, &s] { check.Work(*s); });
  check.JoinAll(all, report);
  for (auto& t : threads) t.join();
  return all;
}

}  // namespace oversight::ledger
