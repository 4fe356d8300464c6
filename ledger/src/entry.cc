#include "oversight/ledger/entry.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "oversight/common/canonical_json.h"
#include "oversight/common/encoding.h"
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

// REQUIRES: c is a lowercase hex digit (checked by IsLowerHex).
std::uint8_t HexNibble(char c) {
  return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10);
}

bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
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
  auto canon = CanonicalizeJson(payload_json);
  if (!canon.ok()) return canon.status();
  if (canon->empty() || (*canon)[0] != '{') {
    return Status::InvalidArgument("payload must be a JSON object");
  }
  if (canon->size() > kMaxPayloadBytes) {
    return Status::ResourceExhausted("canonical payload larger than " +
                                     std::to_string(kMaxPayloadBytes) + " bytes");
  }
  return canon;
}

std::string EncodeEntry(const Entry& e) {
  // Members in RFC 8785 order (kind < payload < prev < seq < time < v); all ASCII names.
  std::string out;
  out.reserve(e.payload.size() + e.kind.size() + 160);
  out += "{\"kind\":";
  AppendCanonicalJsonString(out, e.kind);
  out += ",\"payload\":";
  out += e.payload;
  out += ",\"prev\":\"";
  out += HexEncode(e.prev);
  out += "\",\"seq\":";
  out += std::to_string(e.seq);
  out += ",\"time\":";
  AppendCanonicalJsonString(out, e.time);
  out += ",\"v\":";
  out += std::to_string(kEntryFormatVersion);
  out += '}';
  return out;
}

StatusOr<EntryView> DecodeEntryView(std::string_view bytes) {
  // Verification runs this over every entry: one canonical-form pass, then the six members by
  // position (canonical order is kind, payload, prev, seq, time, v).
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
  if (!PlainString(m[2].second, &prev) || prev.size() != 64 || !IsLowerHex(prev)) {
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
  for (std::size_t i = 0; i < e.prev.size(); ++i) {
    e.prev[i] = static_cast<std::uint8_t>(HexNibble(prev[2 * i]) << 4 | HexNibble(prev[2 * i + 1]));
  }
  return e;
}

StatusOr<Entry> DecodeEntry(std::string_view bytes) {
  OVERSIGHT_ASSIGN_OR_RETURN(EntryView v, DecodeEntryView(bytes));
  return Entry{v.seq, std::string(v.time), std::string(v.kind), std::string(v.payload), v.prev};
}

}  // namespace oversight::ledger
