// HistoryIndex: the facts rules about patterns of use need (how many searches a principal or
// a case made, at how many cameras and places a subject of a case was matched), from an
// in-memory index of recent answered searches. It is rebuilt from the ledger at start
// (Gateway::RebuildHistory), so a restart does not reset a tracking limit.
//
// Events older than `retention` are dropped; a rule window longer than that sees only the
// retained part (docs/api.md says so). Thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "oversight/policy/facts.h"

namespace oversight::proxy {

struct SearchEvent {
  TimePoint at{};
  std::string principal_id, case_id, camera_id, location;
  std::vector<std::string> subjects;  // who was matched (record subject, else the FaceId)
};

class HistoryIndex final : public policy::HistoryProvider {
 public:
  explicit HistoryIndex(std::chrono::seconds retention = std::chrono::hours(24 * 31))
      : retention_(retention) {}

  void Add(SearchEvent event);
  std::size_t size() const;

  StatusOr<std::int64_t> Count(policy::HistoryMetric metric, const policy::RequestDoc& request,
                               std::chrono::seconds window, TimePoint now) const override;

 private:
  std::int64_t DistinctForSubjects(const std::string& case_id, TimePoint since, bool cameras) const;

  const std::chrono::seconds retention_;
  mutable std::mutex mu_;
  std::deque<SearchEvent> events_;  // in time order; guarded by mu_
};

}  // namespace oversight::proxy
