// RateLimiter: per-principal token buckets, so one principal (or one stolen key) cannot
// monopolise the matcher. A refused request becomes ThrottlingException.
//
// Each principal has a bucket of `burst` tokens refilled at `per_second`; a request takes one.
// Time comes from the injected Clock, so tests use a FakeClock. Thread-safe (one mutex; the
// critical section is a map lookup and a little arithmetic). Memory grows with the number of
// distinct principals, which is bounded by the principals file.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "oversight/common/clock.h"

namespace oversight::proxy {

struct RateLimit {
  double per_second = 10.0;  // sustained rate
  double burst = 20.0;       // bucket size; also the allowance after a quiet period
};

class RateLimiter {
 public:
  // `clock` is not owned and must outlive the limiter.
  RateLimiter(RateLimit limit, const Clock& clock) : limit_(limit), clock_(clock) {}

  // Takes a token for `principal_id`; false if its bucket is empty.
  bool Allow(std::string_view principal_id);

 private:
  struct Bucket {
    double tokens;
    TimePoint last;
  };
  const RateLimit limit_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Bucket, std::less<>> buckets_;  // guarded by mu_
};

}  // namespace oversight::proxy
