// The policy request document a Rekognition call is judged by, and where its context comes
// from: X-Oversight-* request headers or a case session.
//
// Header names map to context fields of the policy schema (docs/rules.md): drop the
// "X-Oversight-" prefix, lowercase, '-' becomes '_', so X-Oversight-Warrant-Id sets
// context.warrant_id and X-Oversight-Capture-Time sets context.capture_time. Values are typed
// by the schema: strings and enums as sent, numbers in decimal, booleans "true"/"false", times
// RFC 3339, string sets comma-separated. An X-Oversight-* header that names no context field
// is refused, so a misspelt header can never silently drop a restriction. X-Oversight-Record-*
// headers are record fields for IndexFaces (RecordFieldsFromHeaders), not context.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "oversight/common/status.h"
#include "oversight/proxy/http_types.h"
#include "oversight/proxy/principals.h"

namespace oversight::proxy {

inline constexpr std::string_view kContextHeaderPrefix = "x-oversight-";
inline constexpr std::string_view kRecordHeaderPrefix = "x-oversight-record-";

// The "context" object from the request's headers. InvalidArgument names the header at fault.
StatusOr<nlohmann::json> ContextFromHeaders(const HeaderList& headers);

// Parses one context value given as text (a header value or a CLI flag) by the schema type of
// context.<field>; the JSON value the policy document holds.
StatusOr<nlohmann::json> ContextValueFromText(std::string_view field, std::string_view text);

// Merges header context into a session's bound context. A header may add a field the session
// does not bind but may not change one it does (FailedPrecondition naming the field).
Status MergeContext(nlohmann::json& bound, const nlohmann::json& extra);

struct RecordFields {
  std::string subject, booking_number, charge_status = "unknown";
};
// X-Oversight-Record-Subject, -Booking-Number, -Charge-Status; unknown record headers refused.
StatusOr<RecordFields> RecordFieldsFromHeaders(const HeaderList& headers);

// {"principal": {...}, "action": ..., "context": ..., "request": ...} as the policy library's
// RequestFromJson reads it. `request` holds collection, threshold and max_results when known.
nlohmann::json BuildRequestDocument(const Principal& principal, std::string_view agency_type,
                                    std::string_view action, const nlohmann::json& context,
                                    const nlohmann::json& request);

}  // namespace oversight::proxy
