// Recursive-descent JSONC reader. Recursion depth is bounded by JsonLimits::max_depth.
#include "oversight/policy/jsonc.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "oversight/common/canonical_json.h"

namespace oversight::policy {
namespace {

class Reader {
 public:
  Reader(std::string_view text, std::string_view source, const JsonLimits& limits)
      : s_(text), source_(source), limits_(limits) {}

  StatusOr<JsonValue> ParseDocument(JsonError* error) {
    JsonValue v;
    bool ok = SkipSpace() && ParseValue(v, 0) && SkipSpace();
    if (ok && i_ != s_.size()) ok = Fail("unexpected trailing characters after the JSON value");
    if (ok) return v;
    if (error) *error = {err_pos_, err_};
    return Status::InvalidArgument(FormatPos(source_, err_pos_) + ": " + err_);
  }

 private:
  bool Fail(std::string message) {
    if (err_.empty()) {
      err_ = std::move(message);
      err_pos_ = Pos();
    }
    return false;
  }

  JsonPos Pos() const { return {line_, static_cast<std::uint32_t>(i_ - line_start_ + 1)}; }

  void Advance() {
    if (s_[i_] == '\n') {
      ++line_;
      line_start_ = i_ + 1;
    }
    ++i_;
  }

  bool SkipSpace() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        Advance();
      } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '/') {
        while (i_ < s_.size() && s_[i_] != '\n') Advance();
      } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '*') {
        JsonPos start = Pos();
        Advance(), Advance();
        while (i_ + 1 < s_.size() && !(s_[i_] == '*' && s_[i_ + 1] == '/')) Advance();
        if (i_ + 1 >= s_.size()) {
          err_pos_ = start, err_ = "unterminated /* comment";
          return false;
        }
        Advance(), Advance();
      } else {
        break;
      }
    }
    return true;
  }

  bool ParseValue(JsonValue& v, int depth) {
    if (depth > limits_.max_depth)
      return Fail("nesting deeper than " + std::to_string(limits_.max_depth));
    if (i_ >= s_.size()) return Fail("unexpected end of input, expected a value");
    v.pos = Pos();
    char c = s_[i_];
    if (c == '{') return ParseObject(v, depth);
    if (c == '[') return ParseArray(v, depth);
    if (c == '"') {
      v.kind = JsonValue::Kind::kString;
      return ParseString(v.text);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber(v);
    if (Literal("true")) return v.kind = JsonValue::Kind::kBool, v.boolean = true, true;
    if (Literal("false")) return v.kind = JsonValue::Kind::kBool, true;
    if (Literal("null")) return v.kind = JsonValue::Kind::kNull, true;
    return Fail(std::string("unexpected character '") + c + "', expected a value");
  }

  bool Literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  bool ParseObject(JsonValue& v, int depth) {
    v.kind = JsonValue::Kind::kObject;
    Advance();  // '{'
    std::unordered_set<std::string_view> seen;
    if (!SkipSpace()) return false;
    if (i_ < s_.size() && s_[i_] == '}') return Advance(), true;
    while (true) {
      if (i_ >= s_.size() || s_[i_] != '"') return Fail("expected a member name in double quotes");
      JsonMember m;
      m.key_pos = Pos();
      if (!ParseString(m.key) || !SkipSpace()) return false;
      if (i_ >= s_.size() || s_[i_] != ':') return Fail("expected ':' after member name");
      Advance();
      if (!SkipSpace() || !ParseValue(m.value, depth + 1) || !SkipSpace()) return false;
      for (const JsonMember& prev : v.members) {
        if (prev.key == m.key) {
          err_pos_ = m.key_pos, err_ = "duplicate member \"" + m.key + "\"";
          return false;
        }
      }
      v.members.push_back(std::move(m));
      if (i_ < s_.size() && s_[i_] == ',') {
        Advance();
        if (!SkipSpace()) return false;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') return Advance(), true;
      return Fail("expected ',' or '}' in object");
    }
  }

  bool ParseArray(JsonValue& v, int depth) {
    v.kind = JsonValue::Kind::kArray;
    Advance();  // '['
    if (!SkipSpace()) return false;
    if (i_ < s_.size() && s_[i_] == ']') return Advance(), true;
    while (true) {
      JsonValue item;
      if (!ParseValue(item, depth + 1) || !SkipSpace()) return false;
      v.items.push_back(std::move(item));
      if (i_ < s_.size() && s_[i_] == ',') {
        Advance();
        if (!SkipSpace()) return false;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') return Advance(), true;
      return Fail("expected ',' or ']' in array");
    }
  }

  bool ParseNumber(JsonValue& v) {
    std::size_t start = i_;
    auto digits = [&] {
      std::size_t d = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ > d;
    };
    if (s_[i_] == '-') ++i_;
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (!digits()) {
      return Fail("malformed number");
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digits()) return Fail("malformed number: digits expected after '.'");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return Fail("malformed number: digits expected in exponent");
    }
    v.kind = JsonValue::Kind::kNumber;
    v.text = std::string(s_.substr(start, i_ - start));
    auto [p, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), v.number);
    if (ec != std::errc() || !std::isfinite(v.number)) return Fail("number out of range");
    return true;
  }

  static void AppendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool Hex4(char32_t& out) {
    out = 0;
    for (int k = 0; k < 4; ++k, ++i_) {
      if (i_ >= s_.size()) return Fail("truncated \\u escape");
      char c = s_[i_];
      int d = (c >= '0' && c <= '9')   ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (d < 0) return Fail("bad hex digit in \\u escape");
      out = out << 4 | static_cast<char32_t>(d);
    }
    return true;
  }

  bool ParseEscape(std::string& out) {
    ++i_;  // backslash
    if (i_ >= s_.size()) return Fail("unterminated string");
    char e = s_[i_++];
    switch (e) {
      case '"':
        out += '"';
        return true;
      case '\\':
        out += '\\';
        return true;
      case '/':
        out += '/';
        return true;
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      case 'u':
        break;
      default:
        return Fail(std::string("bad escape '\\") + e + "'");
    }
    char32_t cp;
    if (!Hex4(cp)) return false;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      char32_t lo;
      if (s_.substr(i_, 2) != "\\u") return Fail("unpaired surrogate in \\u escape");
      i_ += 2;
      if (!Hex4(lo)) return false;
      if (lo < 0xDC00 || lo > 0xDFFF) return Fail("unpaired surrogate in \\u escape");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return Fail("unpaired surrogate in \\u escape");
    }
    AppendUtf8(out, cp);
    return true;
  }

  // Validates one raw UTF-8 sequence starting at i_ and copies it.
  bool CopyUtf8(std::string& out) {
    auto b0 = static_cast<unsigned char>(s_[i_]);
    int len = b0 < 0x80 ? 1 : (b0 >> 5) == 6 ? 2 : (b0 >> 4) == 14 ? 3 : (b0 >> 3) == 30 ? 4 : 0;
    if (len == 0 || i_ + static_cast<std::size_t>(len) > s_.size()) return Fail("invalid UTF-8");
    for (int k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s_[i_ + k]) & 0xC0) != 0x80) return Fail("invalid UTF-8");
    }
    out.append(s_.substr(i_, static_cast<std::size_t>(len)));
    i_ += static_cast<std::size_t>(len);
    return true;
  }

  bool ParseString(std::string& out) {
    ++i_;  // opening quote
    while (true) {
      if (i_ >= s_.size() || s_[i_] == '\n') return Fail("unterminated string");
      char c = s_[i_];
      if (c == '"') return ++i_, true;
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in string");
      if (c == '\\') {
        if (!ParseEscape(out)) return false;
      } else if (!CopyUtf8(out)) {
        return false;
      }
    }
  }

  std::string_view s_;
  std::string_view source_;
  JsonLimits limits_;
  std::size_t i_ = 0;
  std::uint32_t line_ = 1;
  std::size_t line_start_ = 0;
  std::string err_;
  JsonPos err_pos_;
};

void AppendJson(std::string& out, const JsonValue& v) {
  switch (v.kind) {
    case JsonValue::Kind::kNull:
      out += "null";
      return;
    case JsonValue::Kind::kBool:
      out += v.boolean ? "true" : "false";
      return;
    case JsonValue::Kind::kNumber:
      out += v.text;
      return;
    case JsonValue::Kind::kString:
      AppendCanonicalJsonString(out, v.text);
      return;
    case JsonValue::Kind::kArray:
      out += '[';
      for (std::size_t k = 0; k < v.items.size(); ++k) {
        if (k) out += ',';
        AppendJson(out, v.items[k]);
      }
      out += ']';
      return;
    case JsonValue::Kind::kObject:
      out += '{';
      for (std::size_t k = 0; k < v.members.size(); ++k) {
        if (k) out += ',';
        AppendCanonicalJsonString(out, v.members[k].key);
        out += ':';
        AppendJson(out, v.members[k].value);
      }
      out += '}';
      return;
  }
}

}  // namespace

const JsonValue* JsonValue::Find(std::string_view key) const {
  if (kind != Kind::kObject) return nullptr;
  for (const JsonMember& m : members) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

std::string_view JsonKindName(JsonValue::Kind kind) {
  switch (kind) {
    case JsonValue::Kind::kNull:
      return "null";
    case JsonValue::Kind::kBool:
      return "boolean";
    case JsonValue::Kind::kNumber:
      return "number";
    case JsonValue::Kind::kString:
      return "string";
    case JsonValue::Kind::kArray:
      return "array";
    case JsonValue::Kind::kObject:
      return "object";
  }
  return "?";
}

StatusOr<JsonValue> ParseJsonc(std::string_view text, std::string_view source_name,
                               const JsonLimits& limits, JsonError* error) {
  if (text.size() > limits.max_bytes) {
    std::string reason = "larger than " + std::to_string(limits.max_bytes) + " bytes";
    if (error) *error = {{1, 1}, reason};
    return Status::ResourceExhausted(std::string(source_name) + ": " + reason);
  }
  return Reader(text, source_name, limits).ParseDocument(error);
}

StatusOr<std::string> ReadTextFile(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path);
  std::string data;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<std::size_t>(in.gcount()));
    if (data.size() > max_bytes) {
      return Status::ResourceExhausted(path + ": larger than " + std::to_string(max_bytes) +
                                       " bytes");
    }
  }
  if (in.bad()) return Status::IOError("reading " + path);
  return data;
}

StatusOr<JsonValue> ParseJsoncFile(const std::string& path, const JsonLimits& limits) {
  OVERSIGHT_ASSIGN_OR_RETURN(std::string data, ReadTextFile(path, limits.max_bytes));
  return ParseJsonc(data, path, limits);
}

std::string ToJsonText(const JsonValue& value) {
  std::string out;
  AppendJson(out, value);
  return out;
}

std::string FormatPos(std::string_view source, JsonPos pos) {
  return std::string(source) + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
}

}  // namespace oversight::policy
