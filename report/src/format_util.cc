#include "format_util.h"

#include "oversight/common/encoding.h"

namespace oversight::report::internal {

std::string UnverifiedWarning(const Provenance& p) {
  if (p.verified) return "";
  return "UNVERIFIED: the " + p.source + " failed verification (" + p.problem +
         "); this report was made only because --allow-unverified was given, and its figures "
         "may not be what was recorded";
}

std::string VerificationSummary(const Provenance& p) {
  if (!p.verified) {
    std::string s = "FAILED: " + p.problem;
    if (p.bad_seq) s += " (first bad entry " + std::to_string(*p.bad_seq) + ")";
    return s;
  }
  return "verified: " + std::to_string(p.entries_verified) +
         " entries, hash chain, Merkle roots and checkpoint signatures";
}

std::string RootBase64(const Provenance& p) { return Base64Encode(p.checkpoint_root); }

std::uint64_t EntriesAfterCheckpoint(const Provenance& p) {
  return p.entries_verified > p.checkpoint_size ? p.entries_verified - p.checkpoint_size : 0;
}

std::string FromText(const Period& period) {
  return period.from.empty() ? "the first entry" : period.from;
}

std::string ToText(const Period& period) {
  return period.to.empty() ? "the checkpoint" : period.to + " (exclusive)";
}

}  // namespace oversight::report::internal
