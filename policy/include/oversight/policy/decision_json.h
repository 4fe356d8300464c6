// The record of a decision, for the ledger: canonical JSON (RFC 8785), so the same decision is
// always the same bytes and hashes the same way.
//
// {"allow": bool, "forbidding": [ids], "obligating": [ids],
//  "obligations": {"exclude_record_status": [...], "human_review_required": bool,
//                  "max_results": n?, "min_similarity": n?, "notices": [...]},
//  "pack": name, "pack_sha256": hex, "permitting": [ids], "reasons": [text],
//  "undecided": [ids of rules that applied only because a fact was missing]}
#pragma once

#include <string>

#include "oversight/policy/pack.h"

namespace oversight::policy {

std::string DecisionToJson(const Decision& decision);

}  // namespace oversight::policy
