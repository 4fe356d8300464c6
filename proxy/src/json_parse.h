// ParseJsonObject: untrusted JSON text to a nlohmann object, bounded and fast on big strings.
//
// Rekognition calls are small JSON objects around one or two large base64 strings (the
// images, up to 5 MiB each). nlohmann's lexer copies a string one character at a time, which
// made parsing a 190 KB probe the largest cost of a denied search. So long, plain string values
// (printable ASCII, no escapes: base64 is exactly that) are cut out of the text by a scan that
// only finds string boundaries, the small rest is parsed, and the strings are put back into
// the tree with one copy each. Anything else (escapes, non-ASCII, keys) takes the ordinary
// path; the result is the same tree either way.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace oversight::proxy {

// The object `text` holds, or nullopt when it is not valid JSON, not an object, or nested
// deeper than kMaxJsonDepth (nlohmann recurses per level, so depth is bounded before parsing).
std::optional<nlohmann::json> ParseJsonObject(std::string_view text);

}  // namespace oversight::proxy
