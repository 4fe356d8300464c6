// RFC 3339 timestamps: the ledger writes UTC with milliseconds ("2026-11-26T06:03:48.123Z").
#pragma once

#include <string>
#include <string_view>

#include "oversight/common/clock.h"
#include "oversight/common/status.h"

namespace oversight {

// Always UTC, always three fractional digits, always "Z".
std::string FormatRfc3339Millis(TimePoint t);

// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" ('t' and 'z' also accepted).
// Fractions beyond nanoseconds are truncated. Years outside 1900..2200 are rejected (the
// nanosecond TimePoint cannot hold much beyond them).
StatusOr<TimePoint> ParseRfc3339(std::string_view text);

}  // namespace oversight
