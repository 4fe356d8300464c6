// FaceIndex: in-memory 1:N search over face descriptors.
//
// Descriptors live in one contiguous row-major float matrix (512 bytes per face), so a search
// is a single pass over memory; rows are removed by moving the last row into the hole, so the
// matrix stays dense. The gallery keeps one index per collection in step with its database.
//
// Thread safety: any number of concurrent Search/size/Contains calls, with Add/Remove
// serialised against them by a reader-writer lock (a search sees the index before or after a
// write, never half of it). Writers cannot be starved by a stream of searches: a waiting
// writer holds a turnstile that new readers must pass, so it waits for at most the searches
// already running.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "oversight/common/status.h"
#include "oversight/matcher/face_model.h"

namespace oversight::matcher {

struct SearchHit {
  std::string face_id;
  float distance = 0;  // Euclidean, as DescriptorDistance
};

class FaceIndex {
 public:
  FaceIndex() = default;
  FaceIndex(const FaceIndex&) = delete;
  FaceIndex& operator=(const FaceIndex&) = delete;

  // AlreadyExists if `face_id` is present; InvalidArgument if the descriptor is not finite.
  Status Add(std::string face_id, const Descriptor& descriptor);
  // False if `face_id` was not present.
  bool Remove(std::string_view face_id);

  // Up to `max_results` faces with distance <= `max_distance`, nearest first (ties by id).
  std::vector<SearchHit> Search(const Descriptor& query, std::size_t max_results,
                                float max_distance) const;

  std::size_t size() const;
  bool Contains(std::string_view face_id) const;
  // The stored descriptor of `face_id`, if present.
  std::optional<Descriptor> Get(std::string_view face_id) const;

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  // Readers pass the turnstile before taking mu_ shared; writers hold it while writing.
  class ReadLock;
  mutable std::mutex turnstile_;
  mutable std::shared_mutex mu_;
  std::vector<float> matrix_;     // size() rows of kDescriptorSize; guarded by mu_
  std::vector<std::string> ids_;  // row -> id; guarded by mu_
  std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> rows_;  // id -> row
};

}  // namespace oversight::matcher
