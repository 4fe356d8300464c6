// The history facts (history.* in rules) as the ledger being replayed recorded them.
//
// Events are answered searches, added in seq order (so time order: entry times never
// decrease). A count for the entry at seq s sees only events before s, which lets a whole batch
// be added first and then evaluated on several threads: after Add, reads are const and safe
// from any number of threads.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "oversight/policy/facts.h"

namespace oversight::report::internal {

struct SearchEvent {
  std::uint64_t seq = 0;
  TimePoint at{};
  std::string principal_id, case_id, camera_id, location;
  std::vector<std::string> subjects;  // matched FaceIds
};

class LedgerHistory {
 public:
  void Add(SearchEvent event);
  // Mirrors the proxy's HistoryIndex::Count over events with seq < before_seq.
  std::int64_t Count(policy::HistoryMetric metric, const std::string& principal_id,
                     const std::string& case_id, TimePoint since, std::uint64_t before_seq) const;

 private:
  // Positions in events_ of one principal's, case's or subject's events, in seq order.
  using Index = std::unordered_map<std::string, std::vector<std::uint32_t>>;
  std::int64_t InWindow(const Index& index, const std::string& key, TimePoint since,
                        std::uint64_t before_seq) const;
  std::int64_t DistinctPlaces(const std::string& case_id, TimePoint since, std::uint64_t before_seq,
                              bool cameras) const;
  // The [first, last) range of `positions` with at >= since and seq < before_seq.
  std::pair<std::size_t, std::size_t> Window(const std::vector<std::uint32_t>& positions,
                                             TimePoint since, std::uint64_t before_seq) const;

  std::deque<SearchEvent> events_;  // a deque: growing never moves the events
  Index by_principal_, by_case_, by_subject_;
};

// The provider one evaluation sees: the history as of one entry.
class HistoryAsOf final : public policy::HistoryProvider {
 public:
  HistoryAsOf(const LedgerHistory& history, std::uint64_t seq) : history_(history), seq_(seq) {}
  StatusOr<std::int64_t> Count(policy::HistoryMetric metric, const policy::RequestDoc& request,
                               std::chrono::seconds window, TimePoint now) const override;

 private:
  const LedgerHistory& history_;
  std::uint64_t seq_;
};

}  // namespace oversight::report::internal
