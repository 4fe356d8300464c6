#include "oversight/common/canonical_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

namespace oversight {
namespace {

using nlohmann::json;

struct ParseLimitError {
  std::string message;
};

// Decodes UTF-8 (already validated by the parser) into UTF-16 code units for key ordering.
std::u16string ToUtf16(std::string_view s) {
  std::u16string out;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    char32_t cp;
    int len;
    if (c < 0x80) {
      cp = c, len = 1;
    } else if (c < 0xE0) {
      cp = c & 0x1F, len = 2;
    } else if (c < 0xF0) {
      cp = c & 0x0F, len = 3;
    } else {
      cp = c & 0x07, len = 4;
    }
    for (int k = 1; k < len && i + k < s.size(); ++k) {
      cp = cp << 6 | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    i += static_cast<std::size_t>(len);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

// ECMAScript Number::toString for a finite double (RFC 8785 §3.2.2.3).
}  // namespace

void AppendCanonicalJsonNumber(std::string& out, double v) {
  if (v == 0) {
    out += '0';  // also for -0
    return;
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  bool negative = sci.front() == '-';
  if (negative) sci.remove_prefix(1);
  std::size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits += c;
  }
  int exp10 = 0;
  std::from_chars(sci.data() + e_pos + 1 + (sci[e_pos + 1] == '+' ? 1 : 0), sci.data() + sci.size(),
                  exp10);
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;  // value = 0.digits * 10^n
  if (negative) out += '-';
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<std::size_t>(n));
    out += '.';
    out.append(digits, static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += 'e';
    out += n - 1 >= 0 ? '+' : '-';
    out += std::to_string(std::abs(n - 1));
  }
}

namespace {

Status Serialize(const json& v, std::string& out, int depth) {
  if (depth > kMaxJsonDepth) {
    return Status::InvalidArgument("JSON nesting deeper than " + std::to_string(kMaxJsonDepth));
  }
  switch (v.type()) {
    case json::value_t::null:
      out += "null";
      return Status::Ok();
    case json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return Status::Ok();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: {
      double d = v.get<double>();
      constexpr std::int64_t kMaxExact = std::int64_t{1} << 53;
      bool exact = v.is_number_unsigned()
                       ? v.get<std::uint64_t>() <= static_cast<std::uint64_t>(kMaxExact)
                       : v.get<std::int64_t>() >= -kMaxExact && v.get<std::int64_t>() <= kMaxExact;
      if (!exact) {
        return Status::InvalidArgument("integer " + v.dump() +
                                       " is outside the exactly representable range +-2^53");
      }
      AppendCanonicalJsonNumber(out, d);
      return Status::Ok();
    }
    case json::value_t::number_float: {
      double d = v.get<double>();
      if (!std::isfinite(d)) return Status::InvalidArgument("number is not finite");
      AppendCanonicalJsonNumber(out, d);
      return Status::Ok();
    }
    case json::value_t::string:
      AppendCanonicalJsonString(out, v.get_ref<const std::string&>());
      return Status::Ok();
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ',';
        first = false;
        OVERSIGHT_RETURN_IF_ERROR(Serialize(e, out, depth + 1));
      }
      out += ']';
      return Status::Ok();
    }
    case json::value_t::object: {
      std::vector<std::pair<std::u16string, json::const_iterator>> members;
      members.reserve(v.size());
      for (auto it = v.begin(); it != v.end(); ++it) members.emplace_back(ToUtf16(it.key()), it);
      std::sort(members.begin(), members.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      bool first = true;
      for (const auto& [name, it] : members) {
        if (!first) out += ',';
        first = false;
        AppendCanonicalJsonString(out, it.key());
        out += ':';
        OVERSIGHT_RETURN_IF_ERROR(Serialize(it.value(), out, depth + 1));
      }
      out += '}';
      return Status::Ok();
    }
    case json::value_t::binary:
    case json::value_t::discarded:
      break;
  }
  return Status::InvalidArgument("unsupported JSON value");
}

}  // namespace

void AppendCanonicalJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

StatusOr<std::string> CanonicalizeJson(std::string_view text) {
  // The callback enforces I-JSON's unique member names and bounds the nesting depth.
  std::vector<std::set<std::string>> keys;
  auto callback = [&keys](int depth, json::parse_event_t event, json& parsed) {
    if (depth > kMaxJsonDepth) {
      throw ParseLimitError{"nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels"};
    }
    if (event == json::parse_event_t::object_start) keys.emplace_back();
    if (event == json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
    if (event == json::parse_event_t::key && !keys.empty()) {
      const auto& name = parsed.get_ref<const std::string&>();
      if (!keys.back().insert(name).second) {
        throw ParseLimitError{"duplicate member name \"" + name.substr(0, 64) + "\""};
      }
    }
    return true;
  };
  json value;
  try {
    value = json::parse(text.begin(), text.end(), callback);
  } catch (const ParseLimitError& e) {
    return Status::InvalidArgument("JSON rejected: " + e.message);
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("malformed JSON: ") + e.what());
  }
  std::string out;
  out.reserve(text.size());
  OVERSIGHT_RETURN_IF_ERROR(Serialize(value, out, 1));
  return out;
}

Status AppendCanonicalJson(const nlohmann::json& value, std::string& out) {
  return Serialize(value, out, 1);
}

bool IsCanonicalJson(std::string_view text) { return CheckCanonicalJson(text); }

namespace {

// Undoes the escapes canonical JSON can contain (short forms and \u00xx).
std::string Unescape(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 >= raw.size()) {
      out += raw[i];
      continue;
    }
    char e = raw[++i];
    switch (e) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u':
        if (i + 4 < raw.size()) {
          out += static_cast<char>(std::stoi(std::string(raw.substr(i + 3, 2)), nullptr, 16));
          i += 4;
        }
        break;
      default:
        out += e;
    }
  }
  return out;
}

}  // namespace

bool JsonNameUtf16Less(std::string_view a_raw, std::string_view b_raw) {
  return ToUtf16(Unescape(a_raw)) < ToUtf16(Unescape(b_raw));
}

std::size_t JsonStringEnd(std::string_view text, std::size_t open) {
  std::size_t q = open;
  while ((q = text.find('"', q + 1)) != std::string_view::npos) {
    std::size_t slashes = 0;
    while (q - slashes > open + 1 && text[q - slashes - 1] == '\\') ++slashes;
    if (slashes % 2 == 0) return q;
  }
  return q;
}

int JsonNestingDepth(std::string_view text) {
  int depth = 0, deepest = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {  // strings are almost all of a request's bytes: skip them with memchr
      i = JsonStringEnd(text, i);
      if (i == std::string_view::npos) break;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace oversight
