#include "net_set.h"

#include "nets.h"

namespace oversight::matcher::internal {

// The detector graph is fully convolutional, so one net serves every input size; 416 is
// only the size it is first built for.
constexpr int kDefaultDetectorSize = 416;

StatusOr<std::unique_ptr<NetSet>> BuildNetSet(const WeightMap& detector, const WeightMap& landmarks,
                                              const WeightMap& recognition) {
  auto set = std::make_unique<NetSet>();
  try {
    OVERSIGHT_ASSIGN_OR_RETURN(set->detector, BuildDetectorNet(detector, kDefaultDetectorSize));
    OVERSIGHT_ASSIGN_OR_RETURN(set->landmarks, BuildLandmarkNet(landmarks));
    OVERSIGHT_ASSIGN_OR_RETURN(set->recognition, BuildRecognitionNet(recognition));
  } catch (const cv::Exception& e) {
    return Status::Internal(std::string("building the face nets failed: ") + e.what());
  }
  return set;
}

NetPool::NetPool(const WeightMap& detector, const WeightMap& landmarks,
                 const WeightMap& recognition, int max_sets, std::unique_ptr<NetSet> first)
    : detector_(detector), landmarks_(landmarks), recognition_(recognition), max_sets_(max_sets) {
  free_.push_back(std::move(first));
  created_ = 1;
}

NetPool::Lease::~Lease() {
  if (set_) pool_->Release(std::move(set_));
}

StatusOr<NetPool::Lease> NetPool::Acquire() {
  std::unique_lock lock(mu_);
  available_.wait(lock, [&] { return !free_.empty() || created_ < max_sets_; });
  if (!free_.empty()) {
    std::unique_ptr<NetSet> set = std::move(free_.back());
    free_.pop_back();
    return Lease(this, std::move(set));
  }
  ++created_;  // reserve the slot, then build without holding the lock
  lock.unlock();
  auto built = BuildNetSet(detector_, landmarks_, recognition_);
  if (!built.ok()) {
    lock.lock();
    --created_;
    available_.notify_one();
    return built.status();
  }
  return Lease(this, std::move(built).value());
}

void NetPool::Release(std::unique_ptr<NetSet> set) {
  {
    std::lock_guard lock(mu_);
    free_.push_back(std::move(set));
  }
  available_.notify_one();
}

}  // namespace oversight::matcher::internal
