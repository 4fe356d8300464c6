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
#include <utility>
#include <vector>

#include "oversight/common/status.h"

namespace oversight {

inline constexpr int kMaxJsonDepth = 64;

// Parses `text` (any JSON value) and returns its canonical bytes, or InvalidArgument with the
// parser's position and reason.
StatusOr<std::string> CanonicalizeJson(std::string_view text);

// The deepest nesting of objects and arrays in JSON text (brackets inside strings do not
// count), without parsing: a cheap bound to check before handing untrusted text to a
// recursive parser, or before wrapping a value in more levels.
int JsonNestingDepth(std::string_view text);

// For a JSON text and the index of a quote that opens a string, the index of the quote that
// closes it (the next one not escaped by a backslash), or npos when the string is unterminated.
std::size_t JsonStringEnd(std::string_view text, std::size_t open);

// Appends the canonical form of an already parsed value. Fails on integers outside +-2^53,
// non-finite numbers and nesting deeper than kMaxJsonDepth. Note that a parsed value has lost
// any duplicate member names, so a caller checking stored bytes compares the result with them.
Status AppendCanonicalJson(const nlohmann::json& value, std::string& out);

// True if `text` is already exactly its own canonical form.
bool IsCanonicalJson(std::string_view text);

// The top-level members of an object: (raw name without quotes, raw value bytes).
using JsonMembers = std::vector<std::pair<std::string_view, std::string_view>>;

// The same check as IsCanonicalJson in one pass without allocating (fast enough to run over
// every ledger entry). If `top_level_members` is given and the text is a canonical object, it
// receives the object's members, as views into `text`.
bool CheckCanonicalJson(std::string_view text, JsonMembers* top_level_members = nullptr);

// Appends a finite double in ECMAScript's shortest round-trip form (RFC 8785 §3.2.2.3).
void AppendCanonicalJsonNumber(std::string& out, double v);

// Compares two member names as they appear between quotes in canonical JSON (escapes
// included) by their UTF-16 code units, the order RFC 8785 sorts members in.
bool JsonNameUtf16Less(std::string_view a_raw, std::string_view b_raw);

// Appends `s` (valid UTF-8) as a canonical JSON string literal, quotes included.
void AppendCanonicalJsonString(std::string& out, std::string_view s);

}  // namespace oversight
