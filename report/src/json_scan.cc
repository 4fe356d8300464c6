#include "json_scan.h"

#include <cstring>

#include "oversight/policy/jsonc.h"

namespace oversight::report::internal {
namespace {

// Length of the string starting at text[0] == '"', quotes included; 0 if unterminated.
// Jumps from quote to quote (memchr): payloads carry long reason and message strings.
std::size_t StringLength(std::string_view text) {
  for (std::size_t i = 1; i < text.size();) {
    const auto* q = static_cast<const char*>(std::memchr(text.data() + i, '"', text.size() - i));
    if (q == nullptr) return 0;
    const auto at = static_cast<std::size_t>(q - text.data());
    std::size_t backslashes = 0;
    while (at - backslashes > 1 && text[at - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return at + 1;
    i = at + 1;
  }
  return 0;
}

// Length of an object or array, strings inside skipped whole; 0 if unbalanced. Outside
// strings JSON has only short runs of punctuation, numbers and literals, so a plain byte loop
// is cheapest there (find_first_of called memchr on its set once per byte).
std::size_t NestedLength(std::string_view text) {
  int depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    switch (text[i]) {
      case '"': {
        const std::size_t n = StringLength(text.substr(i));
        if (n == 0) return 0;
        i += n - 1;
        break;
      }
      case '{':
      case '[':
        ++depth;
        break;
      case '}':
      case ']':
        if (--depth == 0) return i + 1;
        break;
      default:
        break;
    }
  }
  return 0;
}

}  // namespace

std::size_t ValueLength(std::string_view text) {
  if (text.empty()) return 0;
  if (text[0] == '"') return StringLength(text);
  if (text[0] == '{' || text[0] == '[') return NestedLength(text);
  // A number or literal runs to the next delimiter.
  std::size_t i = 0;
  while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']') ++i;
  return i;
}

std::optional<std::string_view> MemberValue(std::string_view object, std::string_view key) {
  std::optional<std::string_view> found;
  ForEachMember(object, [&](std::string_view name, std::string_view value) {
    if (name == key) found = value;
    return !found;
  });
  return found;
}

std::optional<std::string> StringValue(std::string_view value) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return std::nullopt;
  const std::string_view inner = value.substr(1, value.size() - 2);
  if (inner.find('\\') == std::string_view::npos) return std::string(inner);
  auto parsed = policy::ParseJsonc(value, "string");  // escapes: the rare, slow path
  if (!parsed.ok() || !parsed->is_string()) return std::nullopt;
  return parsed->text;
}

}  // namespace oversight::report::internal
