#include "oversight/report/period.h"

#include <chrono>

#include "oversight/common/time_format.h"

namespace oversight::report {
namespace {

bool IsDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// A date means its whole UTC day: the start of it, or (for an exclusive end) the next day.
StatusOr<std::string> Bound(std::string_view flag, std::string_view text, bool end) {
  if (text.empty()) return std::string();
  const bool date = IsDate(text);
  auto t = ParseRfc3339(date ? std::string(text) + "T00:00:00Z" : std::string(text));
  if (!t.ok()) {
    return Status::InvalidArgument(std::string(flag) + " \"" + std::string(text) +
                                   "\" is neither an RFC 3339 time (2026-03-01T08:00:00Z) nor "
                                   "a date (2026-03-01)");
  }
  TimePoint at = *t;
  if (date && end) at += std::chrono::hours(24);
  return FormatRfc3339Millis(at);
}

}  // namespace

StatusOr<Period> ParsePeriod(std::string_view from, std::string_view to) {
  Period p;
  OVERSIGHT_ASSIGN_OR_RETURN(p.from, Bound("--from", from, /*end=*/false));
  OVERSIGHT_ASSIGN_OR_RETURN(p.to, Bound("--to", to, /*end=*/true));
  if (!p.from.empty() && !p.to.empty() && p.to <= p.from) {
    return Status::InvalidArgument("--to must be after --from");
  }
  return p;
}

}  // namespace oversight::report
