#include "oversight/proxy/access.h"

#include <array>

namespace oversight::proxy {
namespace {

struct OpInfo {
  ApiOp op;
  std::string_view name;
  std::string_view policy_action;  // empty: no policy decision
  // Bit i set: Role i may call it (order of enum Role).
  unsigned roles;
};

constexpr unsigned Bit(Role r) { return 1u << static_cast<unsigned>(r); }
constexpr unsigned kInv = Bit(Role::kInvestigator);
constexpr unsigned kRec = Bit(Role::kRecordsAdmin);
constexpr unsigned kAud = Bit(Role::kAuditor);
constexpr unsigned kPol = Bit(Role::kPolicyAnalyst);
constexpr unsigned kOps = Bit(Role::kOperator);

// Least privilege: investigators search; records administrators maintain the gallery and its
// records; auditors read the ledger; policy analysts read and try rules; operators run the
// service. Nobody but a records administrator sees the list of enrolled faces.
constexpr std::array<OpInfo, kApiOpCount> kOps_ = {{
    {ApiOp::kCreateCollection, "CreateCollection", "", kRec},
    {ApiOp::kDeleteCollection, "DeleteCollection", "delete", kRec},
    {ApiOp::kListCollections, "ListCollections", "", kInv | kRec},
    {ApiOp::kDescribeCollection, "DescribeCollection", "", kInv | kRec},
    {ApiOp::kIndexFaces, "IndexFaces", "enroll", kRec},
    {ApiOp::kListFaces, "ListFaces", "", kRec},
    {ApiOp::kDeleteFaces, "DeleteFaces", "delete", kRec},
    {ApiOp::kSearchFacesByImage, "SearchFacesByImage", "search_by_image", kInv},
    {ApiOp::kSearchFaces, "SearchFaces", "search_by_face_id", kInv},
    {ApiOp::kCompareFaces, "CompareFaces", "compare", kInv},
    {ApiOp::kDetectFaces, "DetectFaces", "", kInv},
    {ApiOp::kWhoAmI, "whoami", "", kInv | kRec | kAud | kPol | kOps},
    {ApiOp::kSessionStart, "session.start", "", kInv},
    {ApiOp::kRecordRead, "records.read", "", kRec},
    {ApiOp::kRecordUpdate, "records.update", "update_record_status", kRec},
    {ApiOp::kPurgeNow, "purge.run", "", kRec},
    {ApiOp::kLedgerRead, "ledger.read", "", kAud},
    {ApiOp::kReportRead, "report.read", "", kAud},
    {ApiOp::kRulesRead, "rules.read", "", kPol | kAud},
    {ApiOp::kRulesEvaluate, "rules.evaluate", "", kPol},
    {ApiOp::kRulesReplay, "rules.replay", "", kPol | kAud},
    {ApiOp::kRulesReload, "rules.reload", "", kOps},
    {ApiOp::kMetrics, "metrics", "", kOps},
}};

constexpr bool TableInEnumOrder() {
  for (int i = 0; i < kApiOpCount; ++i) {
    if (static_cast<int>(kOps_[i].op) != i) return false;
  }
  return true;
}
static_assert(TableInEnumOrder(), "kOps_ must list every ApiOp in enum order");

const OpInfo& Info(ApiOp op) { return kOps_[static_cast<int>(op)]; }

constexpr std::array<ApiOp, kApiOpCount> MakeAllOps() {
  std::array<ApiOp, kApiOpCount> out{};
  for (int i = 0; i < kApiOpCount; ++i) out[i] = static_cast<ApiOp>(i);
  return out;
}
constexpr std::array<ApiOp, kApiOpCount> kAllOps = MakeAllOps();
constexpr std::array<Role, 5> kAllRoles = {Role::kInvestigator, Role::kRecordsAdmin, Role::kAuditor,
                                           Role::kPolicyAnalyst, Role::kOperator};

}  // namespace

std::string_view ApiOpName(ApiOp op) { return Info(op).name; }

ApiOp ApiOpFor(Operation op) {
  // The Rekognition operations come first in ApiOp, in the same order as Operation.
  static_assert(static_cast<int>(Operation::kDetectFaces) == static_cast<int>(ApiOp::kDetectFaces));
  return static_cast<ApiOp>(static_cast<int>(op));
}

std::span<const ApiOp> AllApiOps() { return kAllOps; }
std::span<const Role> AllRoles() { return kAllRoles; }

bool RoleAllows(Role role, ApiOp op) { return (Info(op).roles & Bit(role)) != 0; }

bool PrincipalAllows(const Principal& principal, ApiOp op) {
  for (Role r : principal.roles) {
    if (RoleAllows(r, op)) return true;
  }
  return false;
}

std::optional<std::string_view> PolicyActionFor(ApiOp op) {
  const std::string_view action = Info(op).policy_action;
  if (action.empty()) return std::nullopt;
  return action;
}

}  // namespace oversight::proxy
