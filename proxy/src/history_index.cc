#include "oversight/proxy/history_index.h"

#include <algorithm>
#include <set>

#include "oversight/policy/request.h"
#include "oversight/policy/schema.h"

namespace oversight::proxy {

void HistoryIndex::Add(SearchEvent event) {
  std::lock_guard lock(mu_);
  const TimePoint horizon = event.at - retention_;
  while (!events_.empty() && events_.front().at < horizon) events_.pop_front();
  // Events arrive nearly in order; keep the deque sorted so scans can stop early.
  auto pos = events_.end();
  while (pos != events_.begin() && std::prev(pos)->at > event.at) --pos;
  events_.insert(pos, std::move(event));
}

std::size_t HistoryIndex::size() const {
  std::lock_guard lock(mu_);
  return events_.size();
}

std::int64_t HistoryIndex::DistinctForSubjects(const std::string& case_id, TimePoint since,
                                               bool cameras) const {
  std::set<std::string> subjects;
  for (auto it = events_.rbegin(); it != events_.rend() && it->at >= since; ++it) {
    if (it->case_id == case_id) subjects.insert(it->subjects.begin(), it->subjects.end());
  }
  std::size_t most = 0;
  for (const std::string& subject : subjects) {
    std::set<std::string> places;
    for (auto it = events_.rbegin(); it != events_.rend() && it->at >= since; ++it) {
      const std::string& place = cameras ? it->camera_id : it->location;
      if (place.empty()) continue;
      if (std::find(it->subjects.begin(), it->subjects.end(), subject) != it->subjects.end()) {
        places.insert(place);
      }
    }
    most = std::max(most, places.size());
  }
  return static_cast<std::int64_t>(most);
}

StatusOr<std::int64_t> HistoryIndex::Count(policy::HistoryMetric metric,
                                           const policy::RequestDoc& request,
                                           std::chrono::seconds window, TimePoint now) const {
  const std::string& principal = request.slot(policy::fields::PrincipalId()).str;
  const std::string& case_id = request.slot(policy::fields::CaseId()).str;
  const TimePoint since = now - window;
  std::lock_guard lock(mu_);
  switch (metric) {
    case policy::HistoryMetric::kSearchesByPrincipal:
    case policy::HistoryMetric::kSearchesInCase: {
      const bool by_principal = metric == policy::HistoryMetric::kSearchesByPrincipal;
      std::int64_t n = 0;
      for (auto it = events_.rbegin(); it != events_.rend() && it->at >= since; ++it) {
        n += by_principal ? it->principal_id == principal : it->case_id == case_id;
      }
      return n;
    }
    case policy::HistoryMetric::kDistinctCamerasForSubject:
      return case_id.empty() ? 0 : DistinctForSubjects(case_id, since, /*cameras=*/true);
    case policy::HistoryMetric::kDistinctLocationsForSubject:
      return case_id.empty() ? 0 : DistinctForSubjects(case_id, since, /*cameras=*/false);
  }
  return Status::Internal("unknown history metric");
}

}  // namespace oversight::proxy
