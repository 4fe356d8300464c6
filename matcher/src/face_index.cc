#include "oversight/matcher/face_index.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <queue>

namespace oversight::matcher {
namespace {

constexpr int kLanes = 8;
static_assert(kDescriptorSize % kLanes == 0);

// Squared distance with kLanes independent partial sums: element-wise lanes vectorise without
// -ffast-math, where a single running sum would not (float addition is not associative).
float SquaredDistance(const float* a, const float* b) {
  float lanes[kLanes] = {};
  for (int i = 0; i < kDescriptorSize; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) {
      const float d = a[i + j] - b[i + j];
      lanes[j] += d * d;
    }
  }
  float sum = 0;
  for (float v : lanes) sum += v;
  return sum;
}

struct Candidate {
  float squared;
  std::size_t row;
};

}  // namespace

// glibc's rwlock prefers readers; without the turnstile a busy search load starves enrolment.
class FaceIndex::ReadLock {
 public:
  explicit ReadLock(const FaceIndex& index) : lock_(PassTurnstile(index)) {}
  void unlock() { lock_.unlock(); }

 private:
  static std::shared_mutex& PassTurnstile(const FaceIndex& index) {
    std::lock_guard pass(index.turnstile_);  // blocks while a writer waits or writes
    return index.mu_;
  }

  std::shared_lock<std::shared_mutex> lock_;
};

Status FaceIndex::Add(std::string face_id, const Descriptor& descriptor) {
  if (!std::all_of(descriptor.begin(), descriptor.end(),
                   [](float v) { return std::isfinite(v); })) {
    return Status::InvalidArgument("descriptor has a non-finite value");
  }
  std::lock_guard turnstile(turnstile_);
  std::unique_lock lock(mu_);
  if (rows_.contains(face_id)) return Status::AlreadyExists("face " + face_id + " is indexed");
  rows_.emplace(face_id, ids_.size());
  ids_.push_back(std::move(face_id));
  matrix_.insert(matrix_.end(), descriptor.begin(), descriptor.end());
  return Status::Ok();
}

bool FaceIndex::Remove(std::string_view face_id) {
  std::lock_guard turnstile(turnstile_);
  std::unique_lock lock(mu_);
  auto it = rows_.find(face_id);
  if (it == rows_.end()) return false;
  const std::size_t row = it->second;
  const std::size_t last = ids_.size() - 1;
  rows_.erase(it);
  if (row != last) {  // move the last row into the hole
    std::copy_n(matrix_.begin() + static_cast<std::ptrdiff_t>(last * kDescriptorSize),
                kDescriptorSize,
                matrix_.begin() + static_cast<std::ptrdiff_t>(row * kDescriptorSize));
    ids_[row] = std::move(ids_[last]);
    rows_[ids_[row]] = row;
  }
  ids_.pop_back();
  matrix_.resize(last * kDescriptorSize);
  return true;
}

std::vector<SearchHit> FaceIndex::Search(const Descriptor& query, std::size_t max_results,
                                         float max_distance) const {
  if (max_results == 0 || !(max_distance >= 0)) return {};
  const float limit = max_distance * max_distance;
  auto worse = [](const Candidate& a, const Candidate& b) { return a.squared < b.squared; };
  // Max-heap of the best max_results so far; its top is the worst kept candidate.
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(worse)> best(worse);
  ReadLock lock(*this);
  const std::size_t n = ids_.size();
  for (std::size_t row = 0; row < n; ++row) {
    const float sq = SquaredDistance(query.data(), matrix_.data() + row * kDescriptorSize);
    if (sq > limit) continue;
    if (best.size() < max_results) {
      best.push({sq, row});
    } else if (sq < best.top().squared) {
      best.pop();
      best.push({sq, row});
    }
  }
  std::vector<SearchHit> hits;
  for (; !best.empty(); best.pop())
    hits.push_back({ids_[best.top().row], std::sqrt(best.top().squared)});
  lock.unlock();
  std::sort(hits.begin(), hits.end(), [](const SearchHit& a, const SearchHit& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.face_id < b.face_id;
  });
  return hits;
}

std::size_t FaceIndex::size() const {
  ReadLock lock(*this);
  return ids_.size();
}

bool FaceIndex::Contains(std::string_view face_id) const {
  ReadLock lock(*this);
  return rows_.contains(face_id);
}

std::optional<Descriptor> FaceIndex::Get(std::string_view face_id) const {
  ReadLock lock(*this);
  auto it = rows_.find(face_id);
  if (it == rows_.end()) return std::nullopt;
  Descriptor d{};
  std::copy_n(matrix_.begin() + static_cast<std::ptrdiff_t>(it->second * kDescriptorSize),
              kDescriptorSize, d.begin());
  return d;
}

}  // namespace oversight::matcher
