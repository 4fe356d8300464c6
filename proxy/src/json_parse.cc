#include "json_parse.h"

#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <string>
#include <vector>

#include "oversight/common/canonical_json.h"

namespace oversight::proxy {
namespace {

using Json = nlohmann::json;

// Strings shorter than this are left to nlohmann: lifting them saves less than it costs.
constexpr std::size_t kLiftFrom = 1024;
// A lifted string's stand-in is "\u0001<index>", which parses to kMark and the index. Raw
// control bytes are not valid JSON, and lifting is skipped when the text spells \u0001 itself,
// so no string of the input can look like a stand-in.
constexpr char kMark = '\x01';

struct Lifted {
  std::string text;                      // the input with long strings replaced by stand-ins
  std::vector<std::string_view> values;  // the long strings, in order, without quotes
};

bool PlainAsciiByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u <= 0x7e && u != '\\';
}

// A request's image is almost all of its bytes, so this runs over ~190 KB per search: 16 bytes
// at a time (SSE2 is in every x86-64 CPU; the build's -O2 does not vectorise the plain loop).
bool PlainAscii(std::string_view s) {
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
  const __m128i backslash = _mm_set1_epi8('\\');
  __m128i bad = _mm_setzero_si128();
  for (; i + 16 <= s.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    // Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them with the controls.
    bad = _mm_or_si128(bad, _mm_cmplt_epi8(v, space));
    bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, del));
    bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, backslash));
  }
  if (_mm_movemask_epi8(bad) != 0) return false;
#endif
  for (; i < s.size(); ++i) {
    if (!PlainAsciiByte(s[i])) return false;
  }
  return true;
}

// True when the string that closes at `end` (its closing quote) is an object key.
bool IsKey(std::string_view text, std::size_t end) {
  std::size_t i = text.find_first_not_of(" \t\r\n", end + 1);
  return i != std::string_view::npos && text[i] == ':';
}

// Outside strings a JSON text has no quote characters, so each quote found from the start
// opens a string; JsonStringEnd skips to its close.
std::optional<Lifted> Lift(std::string_view text) {
  Lifted out;
  std::size_t copied = 0, i = 0;
  while ((i = text.find('"', i)) != std::string_view::npos) {
    const std::size_t end = JsonStringEnd(text, i);
    if (end == std::string_view::npos) return std::nullopt;  // let the parser name the error
    std::string_view body = text.substr(i + 1, end - i - 1);
    if (body.size() >= kLiftFrom && PlainAscii(body) && !IsKey(text, end)) {
      out.text.append(text.substr(copied, i + 1 - copied));
      out.text += "\\u0001";  // parses to kMark
      out.text += std::to_string(out.values.size());
      out.text += '"';
      out.values.push_back(body);
      copied = end + 1;
    }
    i = end + 1;
  }
  if (out.values.empty()) return std::nullopt;
  out.text.append(text.substr(copied));
  return out;
}

void PutBack(Json& j, const std::vector<std::string_view>& values) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (!s.empty() && s[0] == kMark) j = std::string(values.at(std::stoul(s.substr(1))));
  } else if (j.is_structured()) {
    for (auto& child : j) PutBack(child, values);
  }
}

}  // namespace

std::optional<Json> ParseJsonObject(std::string_view text) {
  if (JsonNestingDepth(text) > kMaxJsonDepth) return std::nullopt;
  const bool spells_mark = text.find("\\u0001") != std::string_view::npos;
  std::optional<Lifted> lifted = spells_mark ? std::nullopt : Lift(text);
  Json j = Json::parse(lifted ? std::string_view(lifted->text) : text, nullptr,
                       /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  if (lifted) PutBack(j, lifted->values);
  return j;
}

}  // namespace oversight::proxy
