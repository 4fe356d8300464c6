#include "oversight/policy/schema.h"

#include <algorithm>
#include <array>

namespace oversight::policy {
namespace {

using SV = std::string_view;
using T = FieldType;
using S = FieldSource;

constexpr std::array<SV, 7> kActions = {
    "search_by_image", "search_by_face_id",    "compare", "enroll",
    "delete",          "update_record_status", "export"};
constexpr std::array<SV, 12> kPurposes = {
    "criminal_investigation", "missing_person",          "deceased_identification",
    "imminent_threat",        "victim_search",           "incapacitated_identification",
    "at_risk_person",         "fraud_prevention",        "identity_verification",
    "protest_monitoring",     "immigration_enforcement", "other"};
constexpr std::array<SV, 8> kSources = {
    "booking_photo",    "still_image", "cctv_still",   "live_stream",
    "body_camera_live", "drone_live",  "social_media", "sketch"};
constexpr std::array<SV, 2> kModes = {"retrospective", "real_time"};
constexpr std::array<SV, 5> kCrimeClasses = {"violent_felony", "felony", "misdemeanor",
                                             "infraction", "none"};
constexpr std::array<SV, 4> kAgencyTypes = {"law_enforcement", "motor_vehicles", "other_government",
                                            "private"};
constexpr std::array<SV, 3> kWarrantStatuses = {"active", "revoked", "returned"};
constexpr std::array<SV, 8> kChargeStatuses = {"arrested",  "charged",   "convicted", "not_charged",
                                               "dismissed", "acquitted", "sealed",    "unknown"};

// The order here is the slot order; append only, so FieldIds stay stable within a build.
const std::array<FieldInfo, 35> kFields = {{
    {"principal.id", T::kString, S::kRequest, {}, "the authenticated user making the request"},
    {"principal.agency", T::kString, S::kRequest, {}, "the agency the user acts for"},
    {"principal.agency_type", T::kEnum, S::kRequest, kAgencyTypes, "kind of agency"},
    {"principal.roles", T::kStringSet, S::kRequest, {}, "roles granted to the user"},
    {"action", T::kEnum, S::kRequest, kActions, "the operation requested"},
    {"context.warrant_id", T::kString, S::kRequest, {}, "warrant the search relies on"},
    {"context.case_id", T::kString, S::kRequest, {}, "case identification number"},
    {"context.purpose", T::kEnum, S::kRequest, kPurposes, "declared purpose of the search"},
    {"context.source", T::kEnum, S::kRequest, kSources, "where the probe image came from"},
    {"context.mode", T::kEnum, S::kRequest, kModes, "retrospective or real-time use"},
    {"context.capture_time", T::kTime, S::kRequest, {}, "when the probe image was captured"},
    {"context.camera_id", T::kString, S::kRequest, {}, "camera that captured the probe"},
    {"context.location", T::kString, S::kRequest, {}, "place of capture"},
    {"context.public_space", T::kBool, S::kRequest, {}, "captured in a publicly accessible space"},
    {"context.crime_class", T::kEnum, S::kRequest, kCrimeClasses,
     "class of the crime investigated"},
    {"context.crime_statute",
     T::kString,
     S::kRequest,
     {},
     "statute of the crime, e.g. MCA 45-5-102"},
    {"context.max_sentence_years", T::kNumber, S::kRequest, {}, "maximum custodial sentence"},
    {"context.narrative", T::kString, S::kRequest, {}, "facts linking the subject to the crime"},
    {"context.court_order_id", T::kString, S::kRequest, {}, "court order authorising the search"},
    {"context.authorization_id",
     T::kString,
     S::kRequest,
     {},
     "judicial/administrative authorisation"},
    {"context.written_request_id", T::kString, S::kRequest, {}, "reference of a written request"},
    {"context.exigency", T::kString, S::kRequest, {}, "statement of exigent circumstances"},
    {"context.reviewer_ids", T::kStringSet, S::kRequest, {}, "people who review the result"},
    {"context.target_database", T::kString, S::kRequest, {}, "database searched, e.g. BMV, FBI"},
    {"request.collection", T::kString, S::kRequest, {}, "gallery collection searched"},
    {"request.threshold", T::kNumber, S::kRequest, {}, "requested similarity threshold (0-100)"},
    {"request.max_results", T::kNumber, S::kRequest, {}, "requested maximum number of results"},
    {"warrant.exists", T::kBool, S::kWarrant, {}, "the registry knows context.warrant_id"},
    {"warrant.status", T::kEnum, S::kWarrant, kWarrantStatuses, "registry status of the warrant"},
    {"warrant.court", T::kString, S::kWarrant, {}, "issuing court"},
    {"warrant.issued_at", T::kTime, S::kWarrant, {}, "when the warrant was issued"},
    {"warrant.expires_at", T::kTime, S::kWarrant, {}, "when the warrant expires"},
    {"warrant.case_ids", T::kStringSet, S::kWarrant, {}, "cases the warrant covers"},
    {"warrant.purposes", T::kStringSet, S::kWarrant, {}, "purposes the warrant covers"},
    {"warrant.signature_valid", T::kBool, S::kWarrant, {}, "court signature verifies"},
}};

// History and computed fields follow the table above, in a second table for readability.
const std::array<FieldInfo, 6> kDerived = {{
    {"history.searches_by_principal", T::kNumber, S::kHistory, {}, "searches by principal.id"},
    {"history.searches_in_case", T::kNumber, S::kHistory, {}, "searches with this context.case_id"},
    {"history.distinct_cameras_for_subject",
     T::kNumber,
     S::kHistory,
     {},
     "distinct cameras where a subject of this case was matched (tracking pattern)"},
    {"history.distinct_locations_for_subject",
     T::kNumber,
     S::kHistory,
     {},
     "distinct locations where a subject of this case was matched (tracking pattern)"},
    {"now", T::kTime, S::kComputed, {}, "evaluation time"},
    {"context.capture_age", T::kDuration, S::kComputed, {}, "now minus context.capture_time"},
}};

std::vector<FieldInfo> BuildTable() {
  std::vector<FieldInfo> all(kFields.begin(), kFields.end());
  all.insert(all.end(), kDerived.begin(), kDerived.end());
  return all;
}

FieldId MustFind(std::string_view path) {
  auto id = FindField(path);
  if (!id) std::abort();  // schema invariant
  return *id;
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case T::kString:
      return "string";
    case T::kNumber:
      return "number";
    case T::kBool:
      return "bool";
    case T::kTime:
      return "time";
    case T::kDuration:
      return "duration";
    case T::kStringSet:
      return "string set";
    case T::kEnum:
      return "enum";
  }
  return "?";
}

std::span<const FieldInfo> FieldTable() {
  static const std::vector<FieldInfo> table = BuildTable();
  return table;
}

std::optional<FieldId> FindField(std::string_view path) {
  auto table = FieldTable();
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (table[i].path == path) return static_cast<FieldId>(i);
  }
  return std::nullopt;
}

std::optional<int> EnumCode(const FieldInfo& field, std::string_view value) {
  for (std::size_t i = 0; i < field.enum_values.size(); ++i) {
    if (field.enum_values[i] == value) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::span<const std::string_view> ChargeStatusValues() { return kChargeStatuses; }

std::optional<int> ChargeStatusCode(std::string_view value) {
  for (std::size_t i = 0; i < kChargeStatuses.size(); ++i) {
    if (kChargeStatuses[i] == value) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::string_view ClosestMatch(std::string_view word, std::span<const std::string_view> candidates) {
  std::string_view best;
  std::size_t best_d = word.size() / 2 + 2;  // "close" means under about half the word changed
  for (std::string_view c : candidates) {
    std::size_t d = EditDistance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best;
}

namespace fields {
FieldId WarrantId() {
  static const FieldId id = MustFind("context.warrant_id");
  return id;
}
FieldId CaseId() {
  static const FieldId id = MustFind("context.case_id");
  return id;
}
FieldId PrincipalId() {
  static const FieldId id = MustFind("principal.id");
  return id;
}
FieldId CaptureTime() {
  static const FieldId id = MustFind("context.capture_time");
  return id;
}
FieldId CaptureAge() {
  static const FieldId id = MustFind("context.capture_age");
  return id;
}
FieldId Now() {
  static const FieldId id = MustFind("now");
  return id;
}
}  // namespace fields

}  // namespace oversight::policy
