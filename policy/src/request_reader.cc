// The direct reader from canonical JSON bytes into a RequestDoc (request.h).
//
// What-if replay reads about a million request documents as the ledger stored them, in RFC
// 8785 canonical form. Building a JsonValue tree for each and then looking every member's
// path up (RequestFromJson) cost about 11 us per document; this reader walks the bytes once
// and writes each member straight into its slot. It is deliberately narrow: it accepts only
// what it is sure RequestFromJson(ParseJsonc(text)) accepts, with the same result, and answers
// "not read" on everything else (whitespace, comments, surrogate escapes, unknown members,
// wrong types, bad enum values or times, duplicates), for the general path to accept or refuse
// with its positioned message.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "oversight/policy/request.h"

namespace oversight::policy {
namespace {

// The request fields under one top-level member ("principal", "context", "request").
struct Group {
  std::string_view name;
  std::vector<std::pair<std::string_view, FieldId>> members;  // name after the dot -> field
};

struct Schema {
  std::array<Group, 3> groups{{{"principal", {}}, {"context", {}}, {"request", {}}}};
  FieldId action = 0;
};

const Schema& RequestSchema() {
  static const Schema schema = [] {
    Schema s;
    const auto table = FieldTable();
    for (std::size_t id = 0; id < table.size(); ++id) {
      const FieldInfo& f = table[id];
      if (f.source != FieldSource::kRequest) continue;
      if (id >= 64) std::abort();  // schema invariant: the reader tracks request fields in 64 bits
      const auto fid = static_cast<FieldId>(id);
      if (f.path == "action") s.action = fid;
      const std::size_t dot = f.path.find('.');
      if (dot == std::string_view::npos) continue;
      for (Group& g : s.groups) {
        if (f.path.substr(0, dot) == g.name) g.members.emplace_back(f.path.substr(dot + 1), fid);
      }
    }
    return s;
  }();
  return schema;
}

void AppendUtf8(std::string& out, char32_t cp) {  // cp < 0x10000 here (no surrogates)
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

// Friend of RequestDoc: writes its slots. Every method returns false as soon as the input is
// something it leaves to the general path; the document is then unspecified.
class CanonicalRequestReader {
 public:
  CanonicalRequestReader(std::string_view text, RequestDoc& out) : s_(text), out_(out) {}

  bool Read() {
    for (SlotValue& slot : out_.slots_) {
      slot.present = false;
      slot.number = 0;
      slot.scalar = 0;
      slot.str.clear();  // keeps the capacity: a reused document allocates nothing
      slot.set.clear();
    }
    if (s_.size() > JsonLimits{}.max_bytes || !Take('{')) return false;
    const Schema& schema = RequestSchema();
    unsigned groups_seen = 0;
    if (!Take('}')) {
      do {
        std::string_view key;
        if (!Key(key)) return false;
        if (key == "action") {
          if (!Value(schema.action)) return false;
          continue;
        }
        std::size_t g = 0;
        while (g < schema.groups.size() && schema.groups[g].name != key) ++g;
        if (g == schema.groups.size() || (groups_seen & (1u << g)) != 0) return false;
        groups_seen |= 1u << g;
        if (!Members(schema.groups[g])) return false;
      } while (Take(','));
      if (!Take('}')) return false;
    }
    return i_ == s_.size();
  }

 private:
  bool Take(char c) {
    if (i_ >= s_.size() || s_[i_] != c) return false;
    ++i_;
    return true;
  }

  bool TakeWord(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  // A member name and its ':'. Names of request fields are plain ASCII, so a name with an
  // escape or another byte outside [a-z_] is left to the general path (which refuses it or,
  // for an escaped spelling of a field's name, reads it).
  bool Key(std::string_view& key) {
    if (!Take('"')) return false;
    const std::size_t start = i_;
    while (i_ < s_.size() && ((s_[i_] >= 'a' && s_[i_] <= 'z') || s_[i_] == '_')) ++i_;
    key = s_.substr(start, i_ - start);
    return Take('"') && Take(':');
  }

  // The object of one group, each member straight into its field's slot.
  bool Members(const Group& group) {
    if (!Take('{')) return false;
    if (Take('}')) return true;
    do {
      std::string_view key;
      if (!Key(key)) return false;
      auto it = std::find_if(group.members.begin(), group.members.end(),
                             [key](const auto& m) { return m.first == key; });
      if (it == group.members.end() || !Value(it->second)) return false;
    } while (Take(','));
    return Take('}');
  }

  // One member's value, with SetFromJson's typing: null leaves the field absent.
  bool Value(FieldId id) {
    const std::uint64_t bit = std::uint64_t{1} << id;
    if ((seen_ & bit) != 0) return false;  // a duplicate member
    seen_ |= bit;
    if (TakeWord("null")) return true;
    const FieldInfo& f = FieldTable()[id];
    SlotValue& slot = out_.slots_[id];
    switch (f.type) {
      case FieldType::kString:
        if (!String(slot.str)) return false;
        break;
      case FieldType::kEnum: {
        if (!String(scratch_)) return false;
        auto code = EnumCode(f, scratch_);
        if (!code) return false;
        slot.scalar = *code;
        break;
      }
      case FieldType::kNumber:
        if (!Number(slot.number)) return false;
        break;
      case FieldType::kBool:
        if (TakeWord("true")) {
          slot.scalar = 1;
        } else if (!TakeWord("false")) {
          return false;
        }
        break;
      case FieldType::kTime: {
        if (!String(scratch_)) return false;
        auto t = ParsePolicyTime(scratch_);
        if (!t.ok()) return false;
        slot.scalar =
            std::chrono::duration_cast<std::chrono::nanoseconds>(t->time_since_epoch()).count();
        break;
      }
      case FieldType::kStringSet:
        if (!StringSet(slot.set)) return false;
        break;
      case FieldType::kDuration:
        return false;  // never a request field
    }
    slot.present = true;
    return true;
  }

  bool StringSet(std::vector<std::string>& set) {
    if (!Take('[')) return false;
    if (!Take(']')) {
      do {
        if (!String(scratch_)) return false;
        set.push_back(scratch_);
      } while (Take(','));
      if (!Take(']')) return false;
    }
    std::sort(set.begin(), set.end());
    set.erase(std::unique(set.begin(), set.end()), set.end());
    return true;
  }

  // The JSON number grammar and conversion of the general reader (jsonc.cc), to the byte.
  bool Number(double& out) {
    const std::size_t start = i_;
    auto digits = [this] {
      const std::size_t d = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ > d;
    };
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (!Take('0') && !digits()) return false;
    if (Take('.') && !digits()) return false;
    if (Take('e') || Take('E')) {
      if (!Take('+')) Take('-');
      if (!digits()) return false;
    }
    const char* first = s_.data() + start;
    auto [p, ec] = std::from_chars(first, s_.data() + i_, out);
    return ec == std::errc() && std::isfinite(out);
  }

  // A string's decoded contents into `out`, validated as the general reader validates them.
  bool String(std::string& out) {
    out.clear();
    if (!Take('"')) return false;
    while (true) {
      const std::size_t start = i_;
      while (i_ < s_.size()) {
        const auto c = static_cast<unsigned char>(s_[i_]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++i_;
      }
      out.append(s_.substr(start, i_ - start));
      if (i_ >= s_.size()) return false;
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') return ++i_, true;
      if (c < 0x20) return false;
      if (!(c == '\\' ? Escape(out) : Utf8(out))) return false;
    }
  }

  bool Escape(std::string& out) {
    if (i_ + 1 >= s_.size()) return false;
    const char e = s_[i_ + 1];
    i_ += 2;
    constexpr std::string_view kFrom = "\"\\/bfnrt", kTo = "\"\\/\b\f\n\r\t";
    if (const std::size_t k = kFrom.find(e); k != std::string_view::npos) {
      out += kTo[k];
      return true;
    }
    if (e != 'u' || i_ + 4 > s_.size()) return false;
    char32_t cp = 0;
    for (int k = 0; k < 4; ++k, ++i_) {
      const char h = s_[i_];
      const int d = (h >= '0' && h <= '9')   ? h - '0'
                    : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                    : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                             : -1;
      if (d < 0) return false;
      cp = cp << 4 | static_cast<char32_t>(d);
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // pairs (never canonical): general path
    AppendUtf8(out, cp);
    return true;
  }

  // One raw UTF-8 sequence, checked exactly as the general reader checks it.
  bool Utf8(std::string& out) {
    const auto b0 = static_cast<unsigned char>(s_[i_]);
    const std::size_t len = (b0 >> 5) == 6 ? 2 : (b0 >> 4) == 14 ? 3 : (b0 >> 3) == 30 ? 4 : 0;
    if (len == 0 || i_ + len > s_.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s_[i_ + k]) & 0xC0) != 0x80) return false;
    }
    out.append(s_.substr(i_, len));
    i_ += len;
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  RequestDoc& out_;
  std::uint64_t seen_ = 0;  // request fields already given, by FieldId
  std::string scratch_;     // enum values, times and set items before they are stored
};

bool ReadCanonicalRequest(std::string_view text, RequestDoc& out) {
  return CanonicalRequestReader(text, out).Read();
}

StatusOr<RequestDoc> RequestFromCanonicalJson(std::string_view text, std::string_view source) {
  RequestDoc doc;
  if (ReadCanonicalRequest(text, doc)) return doc;
  OVERSIGHT_ASSIGN_OR_RETURN(JsonValue tree, ParseJsonc(text, source));
  return RequestFromJson(tree, source);
}

}  // namespace oversight::policy
