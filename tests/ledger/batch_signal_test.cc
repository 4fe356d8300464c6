// BatchSignal (ledger/src/batch_signal.h): one NotifyAll per completed batch must release every
// waiting appender, whether it was asleep already or about to sleep, and no other.
#include "batch_signal.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace oversight::ledger {
namespace {

// Waits as the ledger's appenders do: read the count, check the condition, sleep.
void WaitFor(BatchSignal& signal, const std::atomic<bool>& released) {
  for (;;) {
    const std::uint32_t seen = signal.Load();
    if (released.load(std::memory_order_acquire)) return;
    signal.Wait(seen);
  }
}

TEST(BatchSignalTest, OneNotifyReleasesEveryWaiter) {
  constexpr int kWaiters = 24;
  for (int round = 0; round < 20; ++round) {
    BatchSignal signal;
    std::atomic<bool> released{false};
    std::atomic<int> returned{0};
    std::vector<std::thread> waiters;
    for (int i = 0; i < kWaiters; ++i) {
      waiters.emplace_back([&] {
        WaitFor(signal, released);
        returned.fetch_add(1);
      });
    }
    // Some rounds notify while waiters are still on their way to sleep, some after.
    if (round % 2 == 1) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    released.store(true, std::memory_order_release);
    signal.NotifyAll();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (returned.load() < kWaiters && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(returned.load(), kWaiters) << "round " << round;
    // Free any waiter left asleep (a failure above).
    while (returned.load() < kWaiters) signal.NotifyAll();
    for (auto& w : waiters) w.join();
  }
}

TEST(BatchSignalTest, AWaiterWhoseConditionStillFailsSleepsAgain) {
  BatchSignal signal;
  std::atomic<bool> released{false};
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    WaitFor(signal, released);
    returned = true;
  });
  signal.NotifyAll();  // a completion that is not this waiter's
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(returned.load());
  released.store(true, std::memory_order_release);
  signal.NotifyAll();
  waiter.join();
  EXPECT_TRUE(returned.load());
}

}  // namespace
}  // namespace oversight::ledger
