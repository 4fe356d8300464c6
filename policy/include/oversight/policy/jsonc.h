// A small JSON-with-comments reader that remembers where every value came from.
//
// Rule packs and scenario files are written by people, so errors must point at
// file:line:column. nlohmann::json cannot report value positions, hence this reader.
// Accepted syntax: RFC 8259 JSON plus `// line` and `/* block */` comments. Duplicate
// member names, nesting deeper than JsonLimits::max_depth and input larger than
// JsonLimits::max_bytes are rejected, so untrusted files cannot exhaust the stack or memory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "oversight/common/status.h"

namespace oversight::policy {

struct JsonPos {
  std::uint32_t line = 0;    // 1-based; 0 means "unknown"
  std::uint32_t column = 0;  // 1-based, counted in bytes
};

struct JsonLimits {
  int max_depth = 64;
  std::size_t max_bytes = 4 << 20;
};

struct JsonMember;

// A parsed value. Immutable after parsing in practice; plain struct for easy traversal.
struct JsonValue {
  enum class Kind : std::uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  JsonPos pos;
  bool boolean = false;
  double number = 0;
  std::string text;  // string contents (decoded), or the number exactly as written
  std::vector<JsonValue> items;
  std::vector<JsonMember> members;  // in source order

  bool is_null() const { return kind == Kind::kNull; }
  bool is_bool() const { return kind == Kind::kBool; }
  bool is_number() const { return kind == Kind::kNumber; }
  bool is_string() const { return kind == Kind::kString; }
  bool is_array() const { return kind == Kind::kArray; }
  bool is_object() const { return kind == Kind::kObject; }
  // Member lookup (objects only); nullptr when absent or not an object.
  const JsonValue* Find(std::string_view key) const;
};

struct JsonMember {
  std::string key;
  JsonPos key_pos;
  JsonValue value;
};

std::string_view JsonKindName(JsonValue::Kind kind);

// Where and why parsing failed, for tools that report positions separately.
struct JsonError {
  JsonPos pos;
  std::string reason;
};

// Parses `text`; errors are InvalidArgument "<source>:<line>:<col>: <reason>" (and, if
// `error` is given, the position and reason separately).
StatusOr<JsonValue> ParseJsonc(std::string_view text, std::string_view source_name,
                               const JsonLimits& limits = {}, JsonError* error = nullptr);

// Reads and parses a file (NotFound / IOError / InvalidArgument).
StatusOr<JsonValue> ParseJsoncFile(const std::string& path, const JsonLimits& limits = {});

// Reads a whole file of at most max_bytes (NotFound / IOError / ResourceExhausted).
StatusOr<std::string> ReadTextFile(const std::string& path, std::size_t max_bytes);

// Plain JSON text for a value (comments gone, numbers as written). Feed to CanonicalizeJson.
std::string ToJsonText(const JsonValue& value);

// "file:line:col" prefix used by every positioned message.
std::string FormatPos(std::string_view source, JsonPos pos);

}  // namespace oversight::policy
