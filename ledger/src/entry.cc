#include "oversight/ledger/entry.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

#include "oversight/common/canonical_json.h"
#include "oversight/common/time_format.h"

namespace oversight::ledger {
namespace {

bool IsValidJson(std::string_view bytes) {
  return nlohmann::json::accept(bytes.begin(), bytes.end());
}

Status BadEntry(const std::string& why) { return Status::Corruption("entry " + why); }

// The value of a member that must be a string without escapes, quotes removed.
bool PlainString(std::string_view raw, std::string_view* out) {
  if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return false;
  *out = raw.substr(1, raw.size() - 2);
  return out->find('\\') == std::string_view::npos;
}

// Lowercase hex digit values, 0xff for any other byte. Verification decodes 64 of these per
// entry; a table lookup has no data-dependent branch, where a range test per character
// mispredicts on about half of the (random) digits and cost more than the leaf hash.
constexpr std::array<std::uint8_t, 256> kHexValue = [] {
  std::array<std::uint8_t, 256> t{};
  t.fill(0xff);
  for (int c = '0'; c <= '9'; ++c)
    t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c)
    t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - 'a' + 10);
  return t;
}();

// Decodes 64 lowercase hex characters; false if any character is not one.
bool DecodeLowerHex(std::string_view hex, Hash256& out) {
  std::uint8_t bad = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint8_t hi = kHexValue[static_cast<unsigned char>(hex[2 * i])];
    std::uint8_t lo = kHexValue[static_cast<unsigned char>(hex[2 * i + 1])];
    bad |= static_cast<std::uint8_t>(hi | lo) & 0xf0;
    out[i] = static_cast<std::uint8_t>(hi << 4 | (lo & 0x0f));
  }
  return bad == 0;
}

// True if `text` holds 16 or more digits in a row. Canonical JSON can hold integers above
// 2^53 that are exact doubles (e.g. 9007199254740994), which CanonicalizeJson rejects as
// I-JSON requires; such text takes the full path so both paths accept exactly the same input.
bool HasLongDigitRun(std::string_view text) {
  std::size_t run = 0;
  for (char c : text) {
    run = (c >= '0' && c <= '9') ? run + 1 : 0;
    if (run >= 16) return true;
  }
  return false;
}

}  // namespace

Status ValidateKind(std::string_view kind) {
  if (kind.empty() || kind.size() > kMaxKindBytes) {
    return Status::InvalidArgument("entry kind must be 1 to 64 characters");
  }
  for (char c : kind) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return Status::InvalidArgument("entry kind may only hold a-z, 0-9, '_', '.', '-'");
  }
  return Status::Ok();
}

StatusOr<std::string> CanonicalPayload(std::string_view payload_json) {
  if (payload_json.size() > 4 * kMaxPayloadBytes) {
    return Status::ResourceExhausted("payload larger than " + std::to_string(4 * kMaxPayloadBytes) +
                                     " bytes");
  }
  // Callers usually send canonical JSON already: one allocation-free pass proves it, and
  // canonical form is unique, so the full parse and re-serialisation would return the same
  // bytes. Anything else (or any doubt, see HasLongDigitRun) takes the full path.
  StatusOr<std::string> canon = std::string(payload_json);
  if (!CheckCanonicalJson(payload_json) || HasLongDigitRun(payload_json)) {
    canon = CanonicalizeJson(payload_json);
  }
  if (!canon.ok()) return canon.status();
  if (canon->empty() || (*canon)[0] != '{') {
    return Status::InvalidArgument("payload must be a JSON object");
  }
  if (canon->size() > kMaxPayloadBytes) {
    return Status::ResourceExhausted("canonical payload larger than " +
                                     std::to_string(kMaxPayloadBytes) + " bytes");
  }
  // The entry object adds one level around the payload; the whole entry must stay within
  // kMaxJsonDepth, or it would be written but then fail verification.
  if (JsonNestingDepth(*canon) > kMaxJsonDepth - 1) {
    return Status::InvalidArgument("payload nested deeper than " +
                                   std::to_string(kMaxJsonDepth - 1) + " levels");
  }
  return canon;
}

std::string EncodeEntryHead(std::string_view kind, std::string_view payload) {
  // Members in RFC 8785 order (kind < payload < prev < seq < time < v); all ASCII names.
  std::string out;
  out.reserve(payload.size() + kind.size() + kEntryTailReserve);
  out += "{\"kind\":";
  AppendCanonicalJsonString(out, kind);
  out += ",\"payload\":";
  out += payload;
  out += ",\"prev\":\"";
  return out;
}

void AppendEntryTail(std::string& head, const Hash256& prev, std::uint64_t seq,
                     std::string_view time) {
  static constexpr char kHex[] = "0123456789abcdef";
  char hex[2 * sizeof(Hash256)];
  for (std::size_t i = 0; i < prev.size(); ++i) {
    hex[2 * i] = kHex[prev[i] >> 4];
    hex[2 * i + 1] = kHex[prev[i] & 0x0f];
  }
  head.append(hex, sizeof hex);
  head += "\",\"seq\":";
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, seq).ptr;
  head.append(digits, end);
  head += ",\"time\":";
  AppendCanonicalJsonString(head, time);
  head += ",\"v\":";
  static_assert(kEntryFormatVersion >= 0 && kEntryFormatVersion <= 9);
  head += static_cast<char>('0' + kEntryFormatVersion);
  head += '}';
}

std::string EncodeEntry(const Entry& e) {
  std::string out = EncodeEntryHead(e.kind, e.payload);
  AppendEntryTail(out, e.prev, e.seq, e.time);
  return out;
}

namespace {

// Takes `suffix` off the end of `s`; false if `s` does not end with it.
bool CutSuffix(std::string_view& s, std::string_view suffix) {
  if (!s.ends_with(suffix)) return false;
  s.remove_suffix(suffix.size());
  return true;
}

// Takes the last `n` characters off `s` into `out`; false if `s` is shorter.
bool CutLast(std::string_view& s, std::size_t n, std::string_view& out) {
  if (s.size() < n) return false;
  out = s.substr(s.size() - n);
  s.remove_suffix(n);
  return true;
}

// Takes the trailing digits off `s` into `out`: a canonical integer of at most 15 digits
// (exact as a double, so canonical exactly when it has no leading zero).
bool CutCanonicalInteger(std::string_view& s, std::string_view& out) {
  std::size_t n = 0;
  while (n < s.size() && n <= 15 && s[s.size() - 1 - n] >= '0' && s[s.size() - 1 - n] <= '9') ++n;
  if (n == 0 || n > 15) return false;
  out = s.substr(s.size() - n);
  s.remove_suffix(n);
  return out.size() == 1 || out.front() != '0';
}

// Canonical form limits the whole entry to kMaxJsonDepth levels of values: the entry object,
// the payload object, then one level per container nested in it plus the values inside the
// innermost. Counting every bracket (strings included) bounds that without parsing.
// Eight bytes at a time ('{' is '[' with bit 5 set), since verification runs it over every
// payload and a byte loop cost as much as the rest of the envelope checks together.
bool SurelyShallowEnough(std::string_view payload) {
  constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7f, kNoBit5 = 0xdfdfdfdfdfdfdfdf;
  constexpr std::uint64_t kBracket = 0x5b5b5b5b5b5b5b5b;
  std::size_t opening = 0, i = 0;
  for (; i + 8 <= payload.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, payload.data() + i, sizeof w);
    const std::uint64_t y = (w & kNoBit5) ^ kBracket;  // zero bytes where the brackets are
    // Bit 7 of each byte of `zero` is set exactly when that byte of y is zero (no carries).
    const std::uint64_t zero = ~(((y & kLow7) + kLow7) | y | kLow7);
    opening += static_cast<std::size_t>(((zero >> 7) * 0x0101010101010101) >> 56);  // sum bytes
  }
  for (; i < payload.size(); ++i) opening += (payload[i] & 0xdf) == 0x5b;
  return opening + 2 <= static_cast<std::size_t>(kMaxJsonDepth);
}

// The fast path of DecodeEntryView for entries laid out exactly as EncodeEntry writes them:
// the envelope is matched piece by piece from both ends, and only the payload goes through
// the general canonical-form check. Every entry it accepts is one the full check accepts,
// with the same fields. It returns false on anything else, without saying why: the full
// check then runs and names the problem.
bool DecodeEncodedEntry(std::string_view bytes, EntryView& e) {
  constexpr std::string_view kHead = "{\"kind\":\"",
                             kPayload = "\",\"payload\":", kPrev = ",\"prev\":\"",
                             kSeq = "\",\"seq\":", kTime = ",\"time\":\"", kTail = "\",\"v\":1}";
  if (!bytes.starts_with(kHead)) return false;
  std::string_view rest = bytes.substr(kHead.size());
  const std::size_t kind_end = rest.find('"');
  if (kind_end == std::string_view::npos) return false;
  std::string_view kind = rest.substr(0, kind_end), time, seq, prev;
  rest.remove_prefix(kind_end);
  if (!rest.starts_with(kPayload)) return false;
  rest.remove_prefix(kPayload.size());
  if (!CutSuffix(rest, kTail) || !CutLast(rest, 24, time) || !CutSuffix(rest, kTime) ||
      !CutCanonicalInteger(rest, seq) || !CutSuffix(rest, kSeq) || !CutLast(rest, 64, prev) ||
      !CutSuffix(rest, kPrev)) {
    return false;
  }
  // What is left is the payload; kind, prev and time hold no character that needs escaping.
  if (rest.empty() || rest.front() != '{' || !SurelyShallowEnough(rest) ||
      !CheckCanonicalJson(rest) || !ValidateKind(kind).ok() || !DecodeLowerHex(prev, e.prev) ||
      time.back() != 'Z' || !ParseRfc3339(time).ok()) {
    return false;
  }
  std::from_chars(seq.data(), seq.data() + seq.size(), e.seq);
  e.kind = kind;
  e.payload = rest;
  e.time = time;
  return true;
}

}  // namespace

StatusOr<EntryView> DecodeEntryView(std::string_view bytes) {
  // Verification runs this over every entry. Entries as the ledger writes them take the fast
  // path; anything else gets one canonical-form pass over the whole entry, then the six
  // members by position (canonical order is kind, payload, prev, seq, time, v).
  if (EntryView e; DecodeEncodedEntry(bytes, e)) return e;
  thread_local JsonMembers m;  // reused: no allocation per entry on the verification path
  if (!CheckCanonicalJson(bytes, &m)) {
    return BadEntry(IsValidJson(bytes) ? "is not in canonical form" : "is not valid JSON");
  }
  static constexpr std::string_view kNames[] = {"kind", "payload", "prev", "seq", "time", "v"};
  if (bytes.front() != '{' || m.size() != std::size(kNames)) {
    return BadEntry("does not have exactly the fields kind, payload, prev, seq, time, v");
  }
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i].first != kNames[i])
      return BadEntry("has an unknown field \"" + std::string(m[i].first) + "\"");
  }
  if (m[5].second != "1")
    return BadEntry("has an unknown format version " + std::string(m[5].second));
  EntryView e;
  std::string_view kind, prev, time;
  if (!PlainString(m[0].second, &kind) || !ValidateKind(kind).ok())
    return BadEntry("has an invalid kind");
  if (m[1].second.front() != '{') return BadEntry("payload is not a JSON object");
  if (!PlainString(m[2].second, &prev) || prev.size() != 64 || !DecodeLowerHex(prev, e.prev)) {
    return BadEntry("has a malformed prev hash");
  }
  auto [end, ec] =
      std::from_chars(m[3].second.data(), m[3].second.data() + m[3].second.size(), e.seq);
  if (ec != std::errc() || end != m[3].second.data() + m[3].second.size()) {
    return BadEntry("has a seq that is not a non-negative integer");
  }
  if (!PlainString(m[4].second, &time) || time.size() != 24 || time.back() != 'Z' ||
      !ParseRfc3339(time).ok()) {
    return BadEntry("has a time that is not UTC RFC 3339 with milliseconds");
  }
  e.kind = kind;
  e.payload = m[1].second;
  e.time = time;
  return e;
}

StatusOr<Entry> DecodeEntry(std::string_view bytes) {
  OVERSIGHT_ASSIGN_OR_RETURN(EntryView v, DecodeEntryView(bytes));
  return Entry{v.seq, std::string(v.time), std::string(v.kind), std::string(v.payload), v.prev};
}

}  // namespace oversight::ledger
