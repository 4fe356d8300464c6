// Fact providers: what rules may know beyond the request document.
//
// Providers may do I/O, so the evaluator calls them lazily: the warrant registry at most once
// per evaluation (only if a rule reaches a warrant.* field) and the history provider once per
// (metric, window) a rule reaches. A provider error never allows anything: every field it
// would have supplied is "undecided", which no permit accepts and every forbid treats as a
// match (fail closed). Implementations must be thread-safe; one provider serves all requests.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oversight/common/clock.h"
#include "oversight/common/status.h"

namespace oversight::policy {

class RequestDoc;

struct Warrant {
  std::string id;
  std::string status;  // "active", "revoked" or "returned"
  std::string court;
  TimePoint issued_at{};
  TimePoint expires_at{};
  std::vector<std::string> case_ids;  // sorted
  std::vector<std::string> purposes;  // sorted
  bool signature_valid = false;       // court's Ed25519 signature verified against a trusted key
};

class WarrantRegistry {
 public:
  virtual ~WarrantRegistry() = default;
  // nullopt if the registry has no warrant with this id; an error if it could not be asked.
  virtual StatusOr<std::optional<Warrant>> Lookup(std::string_view warrant_id) const = 0;
};

enum class HistoryMetric : std::uint8_t {
  kSearchesByPrincipal,
  kSearchesInCase,
  kDistinctCamerasForSubject,
  kDistinctLocationsForSubject,
};

class HistoryProvider {
 public:
  virtual ~HistoryProvider() = default;
  // Count of `metric` over [now - window, now] for this request's principal / case.
  virtual StatusOr<std::int64_t> Count(HistoryMetric metric, const RequestDoc& request,
                                       std::chrono::seconds window, TimePoint now) const = 0;
};

// Everything an evaluation needs besides the request. Pointers may be null: the facts they
// would supply are then undecided. Not owned.
struct Facts {
  const WarrantRegistry* warrants = nullptr;
  const HistoryProvider* history = nullptr;
  TimePoint now{};
};

}  // namespace oversight::policy
