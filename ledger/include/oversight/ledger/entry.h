// Ledger entries and their canonical byte form (format version 1; see docs/ledger.md).
//
// An entry's bytes are the RFC 8785 canonical JSON of
//   {"kind":K,"payload":P,"prev":H,"seq":N,"time":T,"v":1}
// where P is the caller's JSON object (canonicalised), H the lowercase hex leaf hash of the
// previous entry (64 zeros for seq 0), N the 0-based position, T UTC RFC 3339 with
// milliseconds. Leaf hash = SHA-256(0x00 || bytes) (RFC 6962). These bytes are what is
// stored, exported and hashed; nothing else about an entry is trusted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "oversight/common/hash.h"
#include "oversight/common/status.h"

namespace oversight::ledger {

inline constexpr int kEntryFormatVersion = 1;
inline constexpr std::size_t kMaxPayloadBytes = 1 << 20;  // canonical payload, 1 MiB
inline constexpr std::size_t kMaxKindBytes = 64;

struct Entry {
  std::uint64_t seq = 0;
  std::string time;     // RFC 3339, UTC, milliseconds: "2026-11-26T06:03:48.123Z"
  std::string kind;     // [a-z0-9_.-]{1,64}, e.g. "search.decision"
  std::string payload;  // canonical JSON object
  Hash256 prev{};       // leaf hash of entry seq-1; all zeros for seq 0
};

// Checks a kind name: 1..64 characters of [a-z0-9_.-].
Status ValidateKind(std::string_view kind);

// Canonicalises a caller's payload. InvalidArgument unless it is a JSON object of at most
// kMaxPayloadBytes in canonical form.
StatusOr<std::string> CanonicalPayload(std::string_view payload_json);

// The canonical bytes of `e`. REQUIRES: e.payload is canonical (from CanonicalPayload) and
// e.kind valid; both are checked by Append before an entry is built.
std::string EncodeEntry(const Entry& e);

// EncodeEntry in two steps, so that appending threads build the part that does not depend on
// the entry's position (kind and payload) and the committer only adds prev, seq and time.
// EncodeEntryHead returns the bytes up to and including `"prev":"`, with room reserved for
// the tail; AppendEntryTail completes them. Same REQUIRES as EncodeEntry.
inline constexpr std::size_t kEntryTailReserve = 160;
std::string EncodeEntryHead(std::string_view kind, std::string_view payload);
void AppendEntryTail(std::string& head, const Hash256& prev, std::uint64_t seq,
                     std::string_view time);

// An entry's fields as views into its bytes (valid while the bytes are).
struct EntryView {
  std::uint64_t seq = 0;
  std::string_view time, kind, payload;
  Hash256 prev{};
};

// Checks stored bytes and returns views of their fields without copying: what verification
// runs over every entry. Same checks and errors as DecodeEntry.
StatusOr<EntryView> DecodeEntryView(std::string_view bytes);

// Parses stored bytes back into an Entry. Corruption if they are not valid JSON, not in
// canonical form, lack or add fields, have the wrong types or an unknown format version.
StatusOr<Entry> DecodeEntry(std::string_view bytes);

}  // namespace oversight::ledger
