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

  bool operator==(const SlotValue&) const = default;
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

  // Same slots, same values (for tests that compare two ways of building a document).
  bool operator==(const RequestDoc&) const = default;

 private:
  friend class CanonicalRequestReader;  // request_reader.cc writes slots directly
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

// RequestFromJson(ParseJsonc(text)) for documents stored as canonical JSON (RFC 8785, as the
// ledger stores a request entry's `document`), read in one pass without building a tree.
// Same result and, on refusal, the same Status for every input: whatever the direct reader
// below does not read goes through ParseJsonc and RequestFromJson.
StatusOr<RequestDoc> RequestFromCanonicalJson(std::string_view text, std::string_view source);

// The direct reader alone, for callers that reuse one RequestDoc per thread: true if it read
// `text` into `out` (all of `out` is replaced; its buffers are reused), with exactly the
// document RequestFromJson(ParseJsonc(text)) builds. False, leaving `out` unspecified, for
// anything it leaves to the general path: text with whitespace or comments, surrogate
// escapes, member names with escapes, and everything RequestFromJson refuses. For canonical
// text that RequestFromJson accepts it always returns true (tests/policy/request_reader_test).
bool ReadCanonicalRequest(std::string_view text, RequestDoc& out);

}  // namespace oversight::policy
