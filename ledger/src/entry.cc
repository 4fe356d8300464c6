#include "oversight/ledger/entry.h"

#include <nlohmann/json.hpp>

#include "oversight/common/canonical_json.h"
#include "oversight/common/encoding.h"
#include "oversight/common/time_format.h"

namespace oversight::ledger {
namespace {

using nlohmann::json;

Status BadEntry(const std::string& why) { return Status::Corruption("entry " + why); }

Status CheckFields(const json& j) {
  static constexpr const char* kFields[] = {"kind", "payload", "prev", "seq", "time", "v"};
  if (!j.is_object()) return BadEntry("is not a JSON object");
  if (j.size() != std::size(kFields)) return BadEntry("has missing or unknown fields");
  for (const char* f : kFields) {
    if (!j.contains(f)) return BadEntry(std::string("lacks field \"") + f + "\"");
  }
  if (!j["v"].is_number_unsigned() || j["v"].get<std::uint64_t>() != kEntryFormatVersion) {
    return BadEntry("has an unknown format version");
  }
  if (!j["seq"].is_number_unsigned()) return BadEntry("has a non-integer seq");
  if (!j["kind"].is_string() || !j["time"].is_string() || !j["prev"].is_string()) {
    return BadEntry("has a field of the wrong type");
  }
  if (!j["payload"].is_object()) return BadEntry("payload is not a JSON object");
  return Status::Ok();
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
  OVERSIGHT_ASSIGN_OR_RETURN(std::string canon, CanonicalizeJson(payload_json));
  if (canon.empty() || canon.front() != '{') {
    return Status::InvalidArgument("payload must be a JSON object");
  }
  if (canon.size() > kMaxPayloadBytes) {
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

StatusOr<Entry> DecodeEntry(std::string_view bytes) {
  json j = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return BadEntry("is not valid JSON");
  OVERSIGHT_RETURN_IF_ERROR(CheckFields(j));
  std::string canon;
  canon.reserve(bytes.size());
  if (!AppendCanonicalJson(j, canon).ok() || canon != bytes) {
    return BadEntry("is not in canonical form");
  }
  Entry e;
  e.seq = j["seq"].get<std::uint64_t>();
  e.kind = j["kind"].get<std::string>();
  e.time = j["time"].get<std::string>();
  if (!ValidateKind(e.kind).ok()) return BadEntry("has an invalid kind");
  if (!ParseRfc3339(e.time).ok() || e.time.size() != 24 || e.time.back() != 'Z') {
    return BadEntry("has a time that is not UTC RFC 3339 with milliseconds");
  }
  auto prev = HexDecode(j["prev"].get_ref<const std::string&>());
  if (!prev.ok() || prev->size() != e.prev.size()) return BadEntry("has a malformed prev hash");
  std::copy(prev->begin(), prev->end(), e.prev.begin());
  canon.clear();
  if (!AppendCanonicalJson(j["payload"], canon).ok()) return BadEntry("has a malformed payload");
  e.payload = std::move(canon);
  return e;
}

}  // namespace oversight::ledger
