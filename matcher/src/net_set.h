// A pool of per-thread net sets: cv::dnn::Net keeps per-forward state and is not
// thread-safe, so each concurrent Analyze borrows a whole set and gives it back.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <opencv2/dnn.hpp>
#include <vector>

#include "oversight/common/status.h"
#include "oversight/matcher/weights.h"

namespace oversight::matcher::internal {

struct NetSet {
  cv::dnn::Net detector;
  cv::dnn::Net landmarks;
  cv::dnn::Net recognition;
};

StatusOr<std::unique_ptr<NetSet>> BuildNetSet(const WeightMap& detector, const WeightMap& landmarks,
                                              const WeightMap& recognition);

class NetPool {
 public:
  // The weight maps must outlive the pool. `max_sets` >= 1.
  NetPool(const WeightMap& detector, const WeightMap& landmarks, const WeightMap& recognition,
          int max_sets, std::unique_ptr<NetSet> first);

  // Returns a set to the pool when destroyed.
  class Lease {
   public:
    Lease(NetPool* pool, std::unique_ptr<NetSet> set) : pool_(pool), set_(std::move(set)) {}
    Lease(Lease&&) = default;
    ~Lease();
    NetSet& operator*() { return *set_; }
    NetSet* operator->() { return set_.get(); }

   private:
    NetPool* pool_;
    std::unique_ptr<NetSet> set_;
  };

  // Takes a free set, builds a new one if fewer than max_sets exist, or waits.
  StatusOr<Lease> Acquire();

 private:
  void Release(std::unique_ptr<NetSet> set);

  const WeightMap& detector_;
  const WeightMap& landmarks_;
  const WeightMap& recognition_;
  const int max_sets_;
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<NetSet>> free_;  // guarded by mu_
  int created_ = 0;                            // guarded by mu_
};

}  // namespace oversight::matcher::internal
