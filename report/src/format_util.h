// Pieces every report format shares: the verification sentence and the period's wording.
#pragma once

#include <cstdint>
#include <string>

#include "oversight/report/report.h"

namespace oversight::report::internal {

// "UNVERIFIED: ..." for a source that failed verification; empty for a verified one.
std::string UnverifiedWarning(const Provenance& p);
// "verified: N entries, ..." or "FAILED: <problem>".
std::string VerificationSummary(const Provenance& p);
std::string RootBase64(const Provenance& p);
// Entries verification read beyond the checkpoint the report counts (a ledger's unsigned
// tail): they are not in the report until a checkpoint covers them.
std::uint64_t EntriesAfterCheckpoint(const Provenance& p);
// "since the first entry" / the bound as given in ledger time format.
std::string FromText(const Period& period);
std::string ToText(const Period& period);

}  // namespace oversight::report::internal
