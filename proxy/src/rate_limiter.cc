#include "oversight/proxy/rate_limiter.h"

#include <algorithm>
#include <chrono>

namespace oversight::proxy {

bool RateLimiter::Allow(std::string_view principal_id) {
  TimePoint now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(principal_id);
  if (it == buckets_.end()) {
    it = buckets_.emplace(std::string(principal_id), Bucket{limit_.burst, now}).first;
  }
  Bucket& b = it->second;
  // A clock that steps backwards adds nothing (never a negative refill).
  double elapsed = std::max(0.0, std::chrono::duration<double>(now - b.last).count());
  b.tokens = std::min(limit_.burst, b.tokens + elapsed * limit_.per_second);
  b.last = std::max(b.last, now);
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

}  // namespace oversight::proxy
