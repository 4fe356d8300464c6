// The period a report or replay covers, from --from and --to.
//
// Each bound is RFC 3339 ("2026-03-01T08:00:00Z", any offset) or a date ("2026-03-01", UTC).
// `from` is inclusive; `to` is exclusive for a timestamp and covers the whole day for a date,
// so --from 2026-01-01 --to 2026-03-31 is the first quarter. Either bound may be absent.
#pragma once

#include <string>
#include <string_view>

#include "oversight/common/status.h"

namespace oversight::report {

struct Period {
  // Bounds in the ledger's own time format (UTC, milliseconds, "Z"), which orders as text.
  std::string from;  // inclusive; empty: since the first entry
  std::string to;    // exclusive; empty: up to the checkpoint

  // REQUIRES: entry_time in the ledger's format (as every entry's `time` is).
  bool Contains(std::string_view entry_time) const {
    return (from.empty() || entry_time >= from) && (to.empty() || entry_time < to);
  }
};

// InvalidArgument naming the bad bound, or when `to` is not after `from`.
StatusOr<Period> ParsePeriod(std::string_view from, std::string_view to);

}  // namespace oversight::report
