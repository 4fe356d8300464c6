// Crash safety: a child appends from several threads and reports every acknowledged seq; the
// parent SIGKILLs it at random moments. After every kill the ledger reopens, holds every
// acknowledged entry and verifies. A second child fills a size-limited file until commits
// fail and shows that nothing after a failed commit is acknowledged.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <optional>
#include <random>
#include <thread>

#include "ledger_test_util.h"
#include "oversight/ledger/ledger.h"
#include "oversight/ledger/verify.h"

namespace oversight::ledger {
namespace {

constexpr int kKills = 24;
constexpr int kWriters = 4;

// Child body: append forever from kWriters threads, writing each acknowledged seq to `fd`.
[[noreturn]] void AppendUntilKilled(const LedgerPaths& paths, int fd) {
  LedgerOptions opts;
  opts.checkpoint_every_entries = 50;
  auto ledger = Ledger::Open(paths, opts);
  if (!ledger.ok()) _exit(3);
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&] {
      for (;;) {
        auto r = (*ledger)->Append("crash", R"({"payload":"0123456789abcdef"})");
        if (!r.ok()) _exit(4);
        std::uint64_t seq = r->seq;
        if (::write(fd, &seq, sizeof seq) != sizeof seq) _exit(5);
      }
    });
  }
  for (auto& w : writers) w.join();
  _exit(0);
}

// Waits for the child's first acknowledged seq (or its exit) and returns seq + 1.
std::uint64_t FirstAck(int fd) {
  std::uint64_t seq = 0;
  return ::read(fd, &seq, sizeof seq) == sizeof seq ? seq + 1 : 0;
}

// Reads the acknowledged seqs the child reported until its pipe closes.
std::uint64_t MaxAcked(int fd, std::uint64_t so_far) {
  std::uint64_t seq = 0, max = so_far;
  while (::read(fd, &seq, sizeof seq) == sizeof seq) max = std::max(max, seq + 1);
  return max;
}

TEST(CrashSafety, EveryAcknowledgedEntrySurvivesSigkillAndTheLedgerVerifies) {
  testing::TempDir tmp;
  auto paths = testing::CreateTestLedger(tmp.path());
  std::mt19937 rng(20261126);
  std::uniform_int_distribution<int> delay_us(0, 30000);
  std::uint64_t acked = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      AppendUntilKilled(paths, fds[1]);
    }
    ::close(fds[1]);
    // Most kills land while appends are in flight (after the first acknowledgement, however
    // slow the machine); every fourth lands at a random moment, perhaps while opening.
    if (kill % 4 != 3) acked = std::max(acked, FirstAck(fds[0]));
    ::usleep(static_cast<useconds_t>(delay_us(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited on its own with " << WEXITSTATUS(status);
    acked = MaxAcked(fds[0], acked);
    ::close(fds[0]);
    auto report = testing::MustVerify(paths);
    ASSERT_TRUE(report.ok) << "after kill " << kill << ": " << report.problem;
    ASSERT_GE(report.entries, acked) << "after kill " << kill << ": acknowledged entries lost";
  }
  EXPECT_GT(acked, 0u);
}

TEST(CrashSafety, AFailedCommitIsNeverAcknowledgedAndPoisonsTheLedger) {
  testing::TempDir tmp;
  auto paths = testing::CreateTestLedger(tmp.path());
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    ::signal(SIGXFSZ, SIG_IGN);  // a write past the limit then fails with EFBIG
    struct rlimit lim {
      256 * 1024, 256 * 1024
    };
    ::setrlimit(RLIMIT_FSIZE, &lim);
    auto ledger = Ledger::Open(paths);
    if (!ledger.ok()) _exit(3);
    std::string payload = "{\"pad\":\"" + std::string(2000, 'x') + "\"}";
    std::uint64_t acked = 0;
    while ((*ledger)->Append("fill", payload).ok()) ++acked;
    bool later_fails =
        (*ledger)->Append("fill", "{}").status().code() == StatusCode::kFailedPrecondition;
    std::optional<StatusCode> async_code;
    (*ledger)->AppendAsync("fill", "{}",
                           [&](StatusOr<Receipt> r) { async_code = r.status().code(); });
    later_fails = later_fails && async_code == StatusCode::kFailedPrecondition;
    if (::write(fds[1], &acked, sizeof acked) != sizeof acked) _exit(5);
    _exit(later_fails ? 0 : 6);
  }
  ::close(fds[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::uint64_t acked = 0;
  ASSERT_EQ(::read(fds[0], &acked, sizeof acked), static_cast<ssize_t>(sizeof acked));
  ::close(fds[0]);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "appends after a failed commit must fail";
  EXPECT_GT(acked, 10u);
  auto report = testing::MustVerify(paths);
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_GE(report.entries, acked);
}

}  // namespace
}  // namespace oversight::ledger
