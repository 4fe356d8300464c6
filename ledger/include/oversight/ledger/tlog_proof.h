// C2SP tlog-proof (c2sp.org/tlog-proof@v1): an offline-verifiable proof that an entry is in
// the log, made of the entry's index, its RFC 6962 inclusion proof and the signed checkpoint
// of the tree it is proven in. Oversight puts the entry's canonical bytes in the optional
// `extra` line so one file is enough; the bytes are only trusted once the proof verifies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "oversight/common/hash.h"
#include "oversight/common/status.h"
#include "oversight/ledger/note.h"

namespace oversight::ledger {

struct TlogProof {
  std::string extra;  // decoded extra data: the entry bytes ("" if absent)
  std::uint64_t index = 0;
  std::vector<Hash256> hashes;
  std::string checkpoint;  // the signed checkpoint note, verbatim
};

std::string FormatTlogProof(const TlogProof& proof);
StatusOr<TlogProof> ParseTlogProof(std::string_view text);

struct VerifiedInclusion {
  Checkpoint checkpoint;
  std::uint64_t index = 0;
  std::string entry;  // the entry bytes whose inclusion was proven
};

// Verifies the checkpoint's signature with `verifier`, then that `entry` (or, if empty, the
// proof's extra data) is at the proof's index in the checkpointed tree. InvalidArgument for a
// malformed proof, Corruption or Unauthenticated when it does not hold.
StatusOr<VerifiedInclusion> VerifyTlogProof(std::string_view text, const NoteVerifier& verifier,
                                            std::string_view entry = {});

}  // namespace oversight::ledger
