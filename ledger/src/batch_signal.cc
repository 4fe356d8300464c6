#include "batch_signal.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

namespace oversight::ledger {
namespace {

// std::atomic<std::uint32_t> is a plain 32-bit word (checked below), so the kernel can wait on it.
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

long Futex(const std::atomic<std::uint32_t>* word, int op, std::uint32_t value) {
  return ::syscall(SYS_futex, reinterpret_cast<const std::uint32_t*>(word), op, value, nullptr,
                   nullptr, 0);
}

}  // namespace

void BatchSignal::Wait(std::uint32_t seen) const {
  // Returns at once if the count already moved (EAGAIN), on a wake-up or on a signal (EINTR);
  // callers re-check their condition in every case.
  (void)Futex(&count_, FUTEX_WAIT_PRIVATE, seen);
}

void BatchSignal::NotifyAll() {
  count_.fetch_add(1, std::memory_order_release);
  (void)Futex(&count_, FUTEX_WAKE_PRIVATE, static_cast<std::uint32_t>(INT_MAX));
}

}  // namespace oversight::ledger
