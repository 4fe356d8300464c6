// Canonical JSON: the one byte form of a JSON value that Oversight hashes and signs.
//
// The form is RFC 8785 (JSON Canonicalization Scheme): object members sorted by the UTF-16
// code units of their names, no insignificant whitespace, strings with the minimal escapes,
// numbers in ECMAScript's shortest round-trip form, UTF-8 throughout. Input must be I-JSON
// (RFC 7493): duplicate member names are rejected, and integers must be exactly representable
// as IEEE-754 doubles (|n| <= 2^53), since RFC 8785 treats every number as a double.
// Nesting deeper than kMaxJsonDepth is rejected so untrusted input cannot exhaust the stack.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "oversight/common/status.h"

namespace oversight {

inline constexpr int kMaxJsonDepth = 64;

// Parses `text` (any JSON value) and returns its canonical bytes, or InvalidArgument with the
// parser's position and reason.
StatusOr<std::string> CanonicalizeJson(std::string_view text);

// Appends the canonical form of an already parsed value. Fails on integers outside +-2^53,
// non-finite numbers and nesting deeper than kMaxJsonDepth. Note that a parsed value has lost
// any duplicate member names, so a caller checking stored bytes compares the result with them.
Status AppendCanonicalJson(const nlohmann::json& value, std::string& out);

// True if `text` is already exactly its own canonical form.
bool IsCanonicalJson(std::string_view text);

// Appends `s` (valid UTF-8) as a canonical JSON string literal, quotes included.
void AppendCanonicalJsonString(std::string& out, std::string_view s);

}  // namespace oversight
