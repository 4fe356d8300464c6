#include "replay_history.h"

#include <algorithm>
#include <set>

#include "oversight/policy/request.h"
#include "oversight/policy/schema.h"

namespace oversight::report::internal {

void LedgerHistory::Add(SearchEvent event) {
  const auto pos = static_cast<std::uint32_t>(events_.size());
  by_principal_[event.principal_id].push_back(pos);
  by_case_[event.case_id].push_back(pos);
  for (const std::string& s : event.subjects) {
    auto& list = by_subject_[s];
    if (list.empty() || list.back() != pos) list.push_back(pos);
  }
  events_.push_back(std::move(event));
}

std::pair<std::size_t, std::size_t> LedgerHistory::Window(
    const std::vector<std::uint32_t>& positions, TimePoint since, std::uint64_t before_seq) const {
  const auto end = std::partition_point(positions.begin(), positions.end(), [&](std::uint32_t p) {
    return events_[p].seq < before_seq;
  });
  const auto begin = std::partition_point(positions.begin(), end,
                                          [&](std::uint32_t p) { return events_[p].at < since; });
  return {static_cast<std::size_t>(begin - positions.begin()),
          static_cast<std::size_t>(end - positions.begin())};
}

std::int64_t LedgerHistory::InWindow(const Index& index, const std::string& key, TimePoint since,
                                     std::uint64_t before_seq) const {
  auto it = index.find(key);
  if (it == index.end()) return 0;
  auto [first, last] = Window(it->second, since, before_seq);
  return static_cast<std::int64_t>(last - first);
}

// The most places at which any one subject of the case was matched in the window.
std::int64_t LedgerHistory::DistinctPlaces(const std::string& case_id, TimePoint since,
                                           std::uint64_t before_seq, bool cameras) const {
  auto c = by_case_.find(case_id);
  if (c == by_case_.end()) return 0;
  std::set<std::string> subjects;
  auto [first, last] = Window(c->second, since, before_seq);
  for (std::size_t i = first; i < last; ++i) {
    const auto& s = events_[c->second[i]].subjects;
    subjects.insert(s.begin(), s.end());
  }
  std::size_t most = 0;
  for (const std::string& subject : subjects) {
    const auto& positions = by_subject_.at(subject);
    auto [b, e] = Window(positions, since, before_seq);
    std::set<std::string> places;
    for (std::size_t i = b; i < e; ++i) {
      const SearchEvent& ev = events_[positions[i]];
      const std::string& place = cameras ? ev.camera_id : ev.location;
      if (!place.empty()) places.insert(place);
    }
    most = std::max(most, places.size());
  }
  return static_cast<std::int64_t>(most);
}

std::int64_t LedgerHistory::Count(policy::HistoryMetric metric, const std::string& principal_id,
                                  const std::string& case_id, TimePoint since,
                                  std::uint64_t before_seq) const {
  switch (metric) {
    case policy::HistoryMetric::kSearchesByPrincipal:
      return InWindow(by_principal_, principal_id, since, before_seq);
    case policy::HistoryMetric::kSearchesInCase:
      return InWindow(by_case_, case_id, since, before_seq);
    case policy::HistoryMetric::kDistinctCamerasForSubject:
      return case_id.empty() ? 0 : DistinctPlaces(case_id, since, before_seq, /*cameras=*/true);
    case policy::HistoryMetric::kDistinctLocationsForSubject:
      return case_id.empty() ? 0 : DistinctPlaces(case_id, since, before_seq, /*cameras=*/false);
  }
  return 0;
}

StatusOr<std::int64_t> HistoryAsOf::Count(policy::HistoryMetric metric,
                                          const policy::RequestDoc& request,
                                          std::chrono::seconds window, TimePoint now) const {
  return history_.Count(metric, request.slot(policy::fields::PrincipalId()).str,
                        request.slot(policy::fields::CaseId()).str, now - window, seq_);
}

}  // namespace oversight::report::internal
