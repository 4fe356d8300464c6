// The typed request schema: every path a rule may name, its type and its meaning.
//
// The proxy fills a RequestDoc (request.h) whose fields are these paths; rules are
// type-checked against this table when a pack is compiled, so a rule that compares a string
// with a number, names an unknown path or an enum value that does not exist is an error at
// load time, never a silent false at run time. docs/rules.md mirrors this table.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace oversight::policy {

enum class FieldType : std::uint8_t {
  kString,
  kNumber,
  kBool,
  kTime,
  kDuration,
  kStringSet,
  kEnum
};

std::string_view FieldTypeName(FieldType type);

// Where a field's value comes from.
enum class FieldSource : std::uint8_t {
  kRequest,   // given by the caller in the request document
  kWarrant,   // looked up (lazily) in the warrant registry by context.warrant_id
  kHistory,   // a count from the history provider; the rule names a time window
  kComputed,  // derived by the engine (now, context.capture_age)
};

// Identifies a field; also its index in FieldTable() and its slot in a RequestDoc.
using FieldId = std::uint16_t;

struct FieldInfo {
  std::string_view path;  // "context.mode"
  FieldType type;
  FieldSource source;
  std::span<const std::string_view> enum_values;  // kEnum only; the code is the index
  std::string_view meaning;                       // one line for docs and --help
};

// All fields, in a stable order.
std::span<const FieldInfo> FieldTable();

// nullopt if `path` is not a schema field.
std::optional<FieldId> FindField(std::string_view path);

// Enum code of `value` for an enum field, or nullopt.
std::optional<int> EnumCode(const FieldInfo& field, std::string_view value);

// Values of the record charge status enum used by retention rules and exclude_record_status.
std::span<const std::string_view> ChargeStatusValues();
std::optional<int> ChargeStatusCode(std::string_view value);

// Closest candidate by edit distance, for "did you mean" hints; empty if none is close.
std::string_view ClosestMatch(std::string_view word, std::span<const std::string_view> candidates);

// Named fields the engine itself needs.
namespace fields {
FieldId WarrantId();
FieldId CaseId();
FieldId PrincipalId();
FieldId CaptureTime();
FieldId CaptureAge();
FieldId Now();
}  // namespace fields

}  // namespace oversight::policy
