// A single-pass, allocation-free check that bytes are already in RFC 8785 canonical form.
// Verification runs it over every ledger entry, so it must cost about as much as hashing
// the bytes, which building a JSON DOM and re-serialising it does not.
#include <charconv>
#include <cmath>
#include <cstring>

#include "oversight/common/canonical_json.h"

namespace oversight {
namespace {

class Checker {
 public:
  Checker(std::string_view s, JsonMembers* top) : s_(s), top_(top) {}

  bool Run() { return Value(1) && pos_ == s_.size(); }

 private:
  bool Value(int depth) {
    if (depth > kMaxJsonDepth || pos_ >= s_.size()) return false;
    switch (s_[pos_]) {
      case '{':
        return Object(depth);
      case '[':
        return Array(depth);
      case '"':
        return String();
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        return Number();
    }
  }

  bool Literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool Array(int depth) {
    ++pos_;
    if (Peek() == ']') return ++pos_, true;
    for (;;) {
      if (!Value(depth + 1)) return false;
      char c = Next();
      if (c == ']') return true;
      if (c != ',') return false;
    }
  }

  bool Object(int depth) {
    ++pos_;
    if (Peek() == '}') return ++pos_, true;
    std::string_view prev_name;
    for (bool first = true;; first = false) {
      std::size_t start = pos_;
      if (Peek() != '"' || !String()) return false;
      std::string_view name = s_.substr(start + 1, pos_ - start - 2);
      if (!first && !NameLess(prev_name, name)) return false;  // sorted and unique
      prev_name = name;
      if (Next() != ':') return false;
      std::size_t value_start = pos_;
      if (!Value(depth + 1)) return false;
      if (depth == 1 && top_) top_->emplace_back(name, s_.substr(value_start, pos_ - value_start));
      char c = Next();
      if (c == '}') return true;
      if (c != ',') return false;
    }
  }

  bool String() {
    ++pos_;
    while (pos_ < s_.size()) {
      auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') return ++pos_, true;
      if (c < 0x20) return false;
      if (c == '\\') {
        if (!Escape()) return false;
      } else if (c < 0x80) {
        ++pos_;
      } else if (!Utf8()) {
        return false;
      }
    }
    return false;
  }

  // Canonical escapes only: the short forms, and \u00xx (lowercase) for other controls.
  bool Escape() {
    if (pos_ + 1 >= s_.size()) return false;
    char e = s_[pos_ + 1];
    if (e == '"' || e == '\\' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
      pos_ += 2;
      return true;
    }
    if (e != 'u' || pos_ + 6 > s_.size() || s_.substr(pos_ + 2, 2) != "00") return false;
    int v = 0;
    for (char h : s_.substr(pos_ + 4, 2)) {
      if (h >= '0' && h <= '9')
        v = v * 16 + (h - '0');
      else if (h >= 'a' && h <= 'f')
        v = v * 16 + (h - 'a' + 10);
      else
        return false;
    }
    bool has_short_form = v == 0x08 || v == 0x09 || v == 0x0a || v == 0x0c || v == 0x0d;
    if (v >= 0x20 || has_short_form) return false;
    pos_ += 6;
    return true;
  }

  // One well-formed UTF-8 sequence: no overlongs, no surrogates, at most U+10FFFF.
  bool Utf8() {
    auto at = [&](std::size_t i) { return static_cast<unsigned char>(s_[pos_ + i]); };
    auto cont = [&](std::size_t i) { return pos_ + i < s_.size() && (at(i) & 0xC0) == 0x80; };
    unsigned char c = at(0);
    std::size_t len;
    if (c >= 0xC2 && c <= 0xDF)
      len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
      len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
      len = 4;
    else
      return false;
    for (std::size_t i = 1; i < len; ++i) {
      if (!cont(i)) return false;
    }
    if ((c == 0xE0 && at(1) < 0xA0) || (c == 0xED && at(1) > 0x9F) || (c == 0xF0 && at(1) < 0x90) ||
        (c == 0xF4 && at(1) > 0x8F)) {
      return false;
    }
    pos_ += len;
    return true;
  }

  // A number is canonical if re-serialising its value gives the same characters.
  bool Number() {
    std::size_t start = pos_;
    while (pos_ < s_.size() && std::strchr("+-0123456789.eE", s_[pos_]) != nullptr &&
           s_[pos_] != '\0') {
      ++pos_;
    }
    std::string_view token = s_.substr(start, pos_ - start);
    if (token.empty() || token.size() > 32 || token.front() == '+') return false;
    if (SmallInteger(token)) return true;
    double v = 0;
    auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
    if (ec != std::errc() || end != token.data() + token.size() || !std::isfinite(v)) return false;
    std::string canon;
    AppendCanonicalJsonNumber(canon, v);
    return canon == token;
  }

  // Fast path for the common case: an integer of at most 15 digits is canonical exactly when
  // it has no leading zero and is not "-0" (such integers are exact as doubles).
  static bool SmallInteger(std::string_view t) {
    std::string_view digits = t.front() == '-' ? t.substr(1) : t;
    if (digits.empty() || digits.size() > 15) return false;
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
    }
    return digits == "0" ? t.size() == 1 : digits.front() != '0';
  }

  // RFC 8785 orders names by UTF-16 code units. UTF-8 byte order agrees with that except
  // around escapes and code points at or above U+E000, where we decode and compare properly.
  static bool NameLess(std::string_view a, std::string_view b) {
    auto tricky = [](std::string_view s) {
      for (char ch : s) {
        if (ch == '\\' || static_cast<unsigned char>(ch) >= 0xEE) return true;
      }
      return false;
    };
    if (!tricky(a) && !tricky(b)) return a < b;
    return JsonNameUtf16Less(a, b);
  }

  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  char Next() { return pos_ < s_.size() ? s_[pos_++] : '\0'; }

  std::string_view s_;
  JsonMembers* top_;
  std::size_t pos_ = 0;
};

}  // namespace

bool CheckCanonicalJson(std::string_view text, JsonMembers* top_level_members) {
  if (top_level_members) top_level_members->clear();
  return Checker(text, top_level_members).Run();
}

}  // namespace oversight
