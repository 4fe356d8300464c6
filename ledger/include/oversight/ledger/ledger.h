// Ledger: the append-only, encrypted, hash-chained and Merkle-proven record of every request.
//
// One SQLCipher file per ledger, keyed with a raw 256-bit key from a 0600 key file. Entries
// (see entry.h) form a hash chain through `prev` and are the leaves of an RFC 6962 Merkle
// tree. Signed checkpoints (C2SP tlog-checkpoint, Ed25519 signed note) are made every N
// entries or T seconds and on demand, and stored beside the entries.
//
// Thread safety: every method may be called from any thread. Appends are totally ordered by
// a single committer thread and group-committed: all appends waiting when a commit starts go
// into one transaction with one durable sync. Append returns only after its entry is durable.
// After a failed commit the ledger is poisoned: that append and every later one fail, and
// nothing from the failed batch is acknowledged. Reopen to recover.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oversight/common/clock.h"
#include "oversight/common/hash.h"
#include "oversight/common/secret.h"
#include "oversight/common/status.h"

namespace oversight::ledger {

// Where a ledger's files live. By convention all in one directory (see InDirectory).
struct LedgerPaths {
  std::string db;            // the SQLCipher database
  std::string key;           // raw 256-bit database key, hex, mode 0600
  std::string signing_key;   // Ed25519 checkpoint signing key, PKCS#8 PEM, mode 0600
  std::string verifier_key;  // the public verifier key, Go note format (not secret)

  static LedgerPaths InDirectory(const std::string& dir);
};

struct LedgerOptions {
  std::uint64_t checkpoint_every_entries = 1000;                         // 0: never by count
  std::chrono::milliseconds checkpoint_every{std::chrono::seconds(60)};  // 0: never by time
  std::size_t max_batch = 4096;  // appends per group commit, at most
  const Clock* clock = &SystemClock::Instance();
};

struct Receipt {
  std::uint64_t seq = 0;
  Hash256 leaf_hash{};
  std::string time;
};

struct SignedCheckpoint {
  std::uint64_t size = 0;
  Hash256 root{};
  std::string note;  // the C2SP signed note text
  std::string time;  // when it was signed
};

struct InclusionProof {
  std::uint64_t index = 0;
  std::uint64_t size = 0;
  Hash256 leaf_hash{};
  Hash256 root{};
  std::vector<Hash256> hashes;
};

struct ConsistencyProof {
  std::uint64_t size1 = 0, size2 = 0;
  Hash256 root1{}, root2{};
  std::vector<Hash256> hashes;
};

// Counters since open, for metrics and benchmarks (entries / commits = mean batch size).
struct LedgerStats {
  std::uint64_t commits = 0;
  std::uint64_t entries = 0;
  std::uint64_t checkpoints = 0;
};

class Ledger {
 public:
  // Creates a new ledger: the key file, the signing key, the database and the verifier key
  // file. Fails with AlreadyExists rather than overwrite any of them. Returns the verifier key
  // ("<origin>+<hex8>+<base64>"). `origin` names the log (no spaces or '+').
  static StatusOr<std::string> Create(const LedgerPaths& paths, const std::string& origin,
                                      const Clock& clock = SystemClock::Instance());

  // Opens an existing ledger for appending. Checks the key files' permissions, the key, the
  // tail entry and that the tree still matches the latest stored checkpoint. Only one process
  // may have a ledger open for writing (an advisory lock on <db>.lock): a second Open fails
  // with FailedPrecondition (IsLockedByAnotherWriter) rather than race the first.
  static StatusOr<std::unique_ptr<Ledger>> Open(const LedgerPaths& paths,
                                                LedgerOptions options = {});

  ~Ledger();  // drains pending appends, then stops the committer
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Appends one entry; blocks until it is durable. `payload_json` must be a JSON object.
  StatusOr<Receipt> Append(std::string_view kind, std::string_view payload_json);
  // The same without blocking: `done` is called exactly once, with the receipt after the entry
  // is durable or with the error (on this thread when the entry is refused before queueing,
  // otherwise on the committer thread). It holds up the next commit while it runs, so it must
  // be quick; it must not throw and must not wait on this ledger. Order, durability and the
  // failure rules are those of Append.
  using AppendCallback = std::function<void(StatusOr<Receipt>)>;
  void AppendAsync(std::string_view kind, std::string_view payload_json, AppendCallback done);

  // Signs a checkpoint of the current tree now, unless the latest already covers it; returns
  // the latest checkpoint either way. FailedPrecondition on an empty ledger.
  StatusOr<SignedCheckpoint> Checkpoint();
  std::optional<SignedCheckpoint> LatestCheckpoint() const;
  std::vector<SignedCheckpoint> Checkpoints() const;

  std::uint64_t size() const;
  LedgerStats stats() const;
  const std::string& origin() const;
  const std::string& verifier_key() const;

  // The canonical bytes of entry `seq` (NotFound past the end).
  StatusOr<std::string> EntryBytes(std::uint64_t seq) const;
  // Calls fn(seq, bytes) for entries from <= seq < to in order; stops at fn's first error.
  using EntryCallback = std::function<Status(std::uint64_t seq, std::string_view bytes)>;
  Status ReadEntries(std::uint64_t from, std::uint64_t to, const EntryCallback& fn) const;
  StatusOr<InclusionProof> ProveInclusion(std::uint64_t index, std::uint64_t size) const;
  StatusOr<ConsistencyProof> ProveConsistency(std::uint64_t size1, std::uint64_t size2) const;

  class Impl;

 private:
  explicit Ledger(std::unique_ptr<Impl> impl);
  static StatusOr<std::unique_ptr<Ledger>> OpenLocked(const LedgerPaths& paths,
                                                      const LedgerOptions& options,
                                                      const SecretBytes& key);
  std::unique_ptr<Impl> impl_;
  int lock_fd_ = -1;  // the writer lock, held while open
};

// Read-only, without the writer lock (so while a proxy has the ledger open): calls fn for the
// entries the latest signed checkpoint covers, in order, and returns that checkpoint.
StatusOr<SignedCheckpoint> ReadCheckpointed(const LedgerPaths& paths,
                                            const Ledger::EntryCallback& fn);

// True if `status` is Open's refusal because another process holds the ledger for writing.
bool IsLockedByAnotherWriter(const Status& status);

}  // namespace oversight::ledger
