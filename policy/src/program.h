// Private: the compiled form of rule conditions, shared by the compiler, the evaluator and
// the explain/lint tools. Paths are resolved to FieldIds and literals to typed values at
// compile time, so evaluation never looks anything up by name.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "oversight/policy/jsonc.h"
#include "oversight/policy/schema.h"

namespace oversight::policy::internal {

enum class Op : std::uint8_t {
  kEquals,
  kNotEquals,
  kIn,
  kNotIn,
  kLt,
  kLe,
  kGt,
  kGe,
  kExists,
  kPrefix,
  kMatches,
  kContains,
  kContainsAny,
  kMinSize,
  kMaxSize,
};

// Three-valued (Kleene) logic: kUnknown when a needed value is missing.
enum class Tri : std::uint8_t { kFalse, kTrue, kUnknown };

// One comparison operand: a literal of the field's type, or a reference to another field.
struct Operand {
  int ref = -1;               // FieldId of the referenced field, or -1 for a literal
  double number = 0;          // kNumber
  std::int64_t scalar = 0;    // kBool, kEnum code, kTime (ns), kDuration (ns)
  bool now_relative = false;  // kTime: scalar is an offset from `now`
  std::string str;            // kString
};

struct Atom {
  Op op = Op::kEquals;
  FieldId field = 0;
  FieldType type = FieldType::kString;
  Operand operand;
  std::vector<std::string> strings;  // kIn/kNotIn over strings, kContainsAny; sorted
  std::vector<double> numbers;       // kIn/kNotIn over numbers
  std::uint64_t enum_mask = 0;       // kIn/kNotIn over enums
  bool exists = true;                // kExists: true = "must be present"
  std::chrono::seconds window{0};    // history fields only
  int history_slot = -1;             // cache index for (metric, window), or -1
  JsonPos pos;
  std::string text;  // "context.mode equals \"real_time\"", for explain
};

enum class NodeKind : std::uint8_t { kAll, kAny, kNot, kAtom };

struct Node {
  NodeKind kind = NodeKind::kAll;
  std::vector<std::uint32_t> children;  // kAll, kAny, kNot (one child)
  std::uint32_t atom = 0;               // kAtom
  JsonPos pos;
};

inline constexpr int kHistoryCacheSize = 16;

struct Program {
  std::vector<Node> nodes;
  std::vector<Atom> atoms;
  std::vector<std::int64_t> roots;  // per rule: root node index, or -1 for "always"
};

}  // namespace oversight::policy::internal
