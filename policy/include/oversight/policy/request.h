// RequestDoc: the request document rules are evaluated against, one typed slot per schema field.
//
// The proxy (or a scenario file) fills it once per request; evaluation then reads slots by
// index, with no parsing or lookup by name on the hot path. Only kRequest fields can be set;
// warrant, history and computed fields come from providers during evaluation.
// Not thread-safe to mutate; safe to read from many threads once built.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "oversight/common/clock.h"
#include "oversight/common/status.h"
#include "oversight/policy/jsonc.h"
#include "oversight/policy/schema.h"

namespace oversight::policy {

struct SlotValue {
  bool present = false;
  double number = 0;             // kNumber
  std::int64_t scalar = 0;       // kBool (0/1), kEnum code, kTime (ns since epoch), kDuration (ns)
  std::string str;               // kString
  std::vector<std::string> set;  // kStringSet, sorted and deduplicated
};

class RequestDoc {
 public:
  RequestDoc();

  // Setters fail with InvalidArgument on an unknown path, a type mismatch, a field that is not
  // a request field, or an enum value outside the schema.
  Status SetString(std::string_view path, std::string_view value);  // kString or kEnum
  Status SetNumber(std::string_view path, double value);
  Status SetBool(std::string_view path, bool value);
  Status SetTime(std::string_view path, TimePoint value);
  Status SetStringSet(std::string_view path, std::vector<std::string> values);

  const SlotValue& slot(FieldId id) const { return slots_[id]; }

 private:
  StatusOr<SlotValue*> Writable(std::string_view path, FieldType expect);
  std::vector<SlotValue> slots_;
};

// RFC 3339 time restricted to the years 1970-2200, so that nanosecond arithmetic on times and
// durations of up to 100 years can never overflow. Every time the policy library reads from
// text goes through here.
StatusOr<TimePoint> ParsePolicyTime(std::string_view text);

// Builds a RequestDoc from {"principal": {...}, "action": "...", "context": {...},
// "request": {...}}. Unknown members, wrong JSON types and bad enum values are errors with
// file:line:col positions; times are RFC 3339 strings.
StatusOr<RequestDoc> RequestFromJson(const JsonValue& doc, std::string_view source);

}  // namespace oversight::policy
