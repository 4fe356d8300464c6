// Per-principal token buckets, driven by a FakeClock.
#include "oversight/proxy/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace oversight::proxy {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiterTest, BurstIsAllowedThenRefused) {
  FakeClock clock;
  RateLimiter limiter({.per_second = 1, .burst = 3}, clock);
  EXPECT_TRUE(limiter.Allow("det.jones"));
  EXPECT_TRUE(limiter.Allow("det.jones"));
  EXPECT_TRUE(limiter.Allow("det.jones"));
  EXPECT_FALSE(limiter.Allow("det.jones"));
}

TEST(RateLimiterTest, TokensRefillAtTheSustainedRate) {
  FakeClock clock;
  RateLimiter limiter({.per_second = 2, .burst = 1}, clock);
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));
  clock.Advance(400ms);
  EXPECT_FALSE(limiter.Allow("a"));  // 0.8 tokens
  clock.Advance(100ms);
  EXPECT_TRUE(limiter.Allow("a"));
}

TEST(RateLimiterTest, QuietPeriodRefillsOnlyUpToTheBurst) {
  FakeClock clock;
  RateLimiter limiter({.per_second = 100, .burst = 2}, clock);
  clock.Advance(1h);
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));
}

TEST(RateLimiterTest, PrincipalsHaveSeparateBuckets) {
  FakeClock clock;
  RateLimiter limiter({.per_second = 1, .burst = 1}, clock);
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("b"));
}

TEST(RateLimiterTest, ClockSteppingBackwardsGrantsNothing) {
  FakeClock clock(TimePoint(10h));
  RateLimiter limiter({.per_second = 1, .burst = 1}, clock);
  EXPECT_TRUE(limiter.Allow("a"));
  clock.Set(TimePoint(1h));
  EXPECT_FALSE(limiter.Allow("a"));
  clock.Set(TimePoint(10h) + 1s);
  EXPECT_TRUE(limiter.Allow("a"));
}

TEST(RateLimiterTest, ConcurrentCallersNeverExceedTheBurst) {
  FakeClock clock;
  RateLimiter limiter({.per_second = 1, .burst = 100}, clock);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) allowed += limiter.Allow("a") ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 100);
}

}  // namespace
}  // namespace oversight::proxy
