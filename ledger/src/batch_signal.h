// BatchSignal: any number of threads sleep until a counter moves; one call wakes them all.
// Private to the ledger library.
//
// The committer completes appends a batch at a time. Waking each appender through its own
// promise costs a system call (and a call_once) per append on the committer's critical path;
// here one futex wake per batch releases every waiter. std::atomic::wait would express the
// same, but libstdc++ 12 spins and calls sched_yield before sleeping, which with dozens of
// waiting appenders on two cores takes the CPU from the committer (measured: batches of one
// entry instead of eight).
#pragma once

#include <atomic>
#include <cstdint>

namespace oversight::ledger {

class BatchSignal {
 public:
  // The current count. Read it before checking the condition you wait for.
  std::uint32_t Load() const { return count_.load(std::memory_order_acquire); }
  // Sleeps until the count may differ from `seen` (spurious returns are possible: re-check).
  void Wait(std::uint32_t seen) const;
  // Moves the count and wakes every waiter.
  void NotifyAll();

 private:
  std::atomic<std::uint32_t> count_{0};
};

}  // namespace oversight::ledger
