// Access: which role may call which operation (least privilege), and which policy action an
// operation is. The table is docs/api.md "Roles"; tests check every role × operation cell.
//
// Roles only open the door: an operation a role may call still goes through the rule pack
// when it has a policy action (searches, comparisons, enrolment, deletion, record status).
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "oversight/proxy/aws_json.h"
#include "oversight/proxy/principals.h"

namespace oversight::proxy {

// Every operation the proxy serves: the Rekognition calls and Oversight's own API.
enum class ApiOp {
  // Rekognition (AWS JSON 1.1).
  kCreateCollection,
  kDeleteCollection,
  kListCollections,
  kDescribeCollection,
  kIndexFaces,
  kListFaces,
  kDeleteFaces,
  kSearchFacesByImage,
  kSearchFaces,
  kCompareFaces,
  kDetectFaces,
  // Oversight's API (/oversight/v1/...).
  kWhoAmI,  // who the caller is and how it signed in (the console asks on every page)
  kSessionStart,
  kRecordRead,
  kRecordUpdate,
  kPurgeNow,
  kLedgerRead,     // checkpoint, entries, proofs, summarised rows
  kReportRead,     // the accountability report over the proxy's own ledger
  kRulesRead,      // the active pack and its hash; the pack directory's files; the schema
  kRulesEvaluate,  // dry runs: evaluate, and a draft's lint, try and scenarios
  kRulesReplay,    // a draft pack replayed over the ledger's past decisions
  kRulesReload,
  kMetrics,
};

inline constexpr int kApiOpCount = static_cast<int>(ApiOp::kMetrics) + 1;

std::string_view ApiOpName(ApiOp op);  // "SearchFacesByImage", "session.start", ...
ApiOp ApiOpFor(Operation op);
std::span<const ApiOp> AllApiOps();
std::span<const Role> AllRoles();

// The cell of the role matrix.
bool RoleAllows(Role role, ApiOp op);
// True if any of the principal's roles allows `op`.
bool PrincipalAllows(const Principal& principal, ApiOp op);

// The policy action ("search_by_image", ...) for operations the rule pack decides; nullopt
// for operations only the role matrix governs (listing, describing, detecting).
std::optional<std::string_view> PolicyActionFor(ApiOp op);

}  // namespace oversight::proxy
