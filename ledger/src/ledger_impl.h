// Ledger::Impl: the committer thread, the in-memory tree and the stores. Private.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "batch_signal.h"
#include "oversight/ledger/ledger.h"
#include "oversight/ledger/merkle.h"
#include "oversight/ledger/note.h"
#include "store.h"

namespace oversight::ledger {

// One caller of the committer: an append, or a request to sign a checkpoint now.
// A blocking caller owns it (on its stack) and waits until `done`; the committer fills in the
// result and sets `done` last, after which it never touches the request again. An
// asynchronous append (`on_done` set) is owned by the committer once queued, which calls
// `on_done` instead and then deletes it.
struct Request {
  std::string bytes;  // an append: the entry's head (EncodeEntryHead), completed when committed
  bool checkpoint_only = false;
  Status status;
  Receipt receipt;
  std::optional<SignedCheckpoint> checkpoint;
  std::atomic<bool> done{false};
  Ledger::AppendCallback on_done;
};

class Ledger::Impl {
 public:
  // `leaf_reader` reads evicted leaves back for the compact tree (ReadLeaves).
  Impl(LedgerOptions options, std::unique_ptr<Store> writer, std::unique_ptr<Store> reader,
       std::unique_ptr<Store> leaf_reader, NoteSigner signer, std::string origin,
       std::string verifier_key);
  ~Impl();

  Status Load();  // reads leaves, the tail and the checkpoints; then starts the committer
  StatusOr<Receipt> Append(std::string_view kind, std::string_view payload_json);
  void AppendAsync(std::string_view kind, std::string_view payload_json, AppendCallback done);
  StatusOr<SignedCheckpoint> Checkpoint();
  std::optional<SignedCheckpoint> LatestCheckpoint() const;
  std::vector<SignedCheckpoint> Checkpoints() const;
  std::uint64_t size() const { return committed_size_.load(std::memory_order_acquire); }
  LedgerStats stats() const {
    return {commits_.load(), entries_.load(), checkpoints_signed_.load()};
  }
  StatusOr<std::string> EntryBytes(std::uint64_t seq) const;
  Status ReadEntries(std::uint64_t from, std::uint64_t to, const EntryCallback& fn) const;
  StatusOr<InclusionProof> ProveInclusion(std::uint64_t index, std::uint64_t size) const;
  StatusOr<ConsistencyProof> ProveConsistency(std::uint64_t size1, std::uint64_t size2) const;

  const std::string& origin() const { return origin_; }
  const std::string& verifier_key() const { return verifier_key_; }

 private:
  StatusOr<std::vector<Hash256>> ReadLeaves(std::uint64_t begin, std::uint64_t end) const;
  Status Submit(Request& r);
  Status Enqueue(Request* r);
  void WaitDone(const Request& r) const;
  void Complete(std::vector<Request*>& requests, const Status& failure);
  void Run();
  bool TimedCheckpointDue(TimePoint now) const;
  Status CommitBatch(std::vector<Request*>& batch, bool timed);
  void Publish(std::uint64_t new_size, const Hash256& last_leaf, const std::string& time,
               std::optional<SignedCheckpoint> cp, std::vector<Request*>& batch);
  StatusOr<SignedCheckpoint> SignAt(std::uint64_t size, const std::string& time);
  void Poison(const Status& why);

  const LedgerOptions options_;
  std::unique_ptr<Store> writer_;  // committer thread only (after Load)
  mutable std::mutex reader_mu_;
  std::unique_ptr<Store> reader_;
  // Its own connection, not reader_: tree reads run under state_mu_, and waiting there for
  // reader_mu_ (held by ReadEntries for whole scans) would hold up the committer's appends.
  mutable std::mutex leaf_reader_mu_;
  std::unique_ptr<Store> leaf_reader_;
  const NoteSigner signer_;
  const std::string origin_;
  const std::string verifier_key_;

  // The queue the committer drains.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request*> queue_;
  bool stopping_ = false;
  Status poisoned_;
  BatchSignal completions_;  // moves once per completed batch; appenders sleep on it

  // Tree and checkpoints: written by the committer under a unique lock, read under shared.
  mutable std::shared_mutex state_mu_;
  // Compact: reads leaves back through ReadLeaves. May run ahead of committed_size_ while a
  // batch commits; the committer only asks it for Root(size()), which reads nothing back.
  MerkleTree tree_;
  std::vector<SignedCheckpoint> checkpoints_;
  std::atomic<std::uint64_t> committed_size_{0};
  std::atomic<std::uint64_t> commits_{0}, entries_{0}, checkpoints_signed_{0};

  // Committer-private.
  Hash256 last_leaf_{};
  std::string last_time_;
  TimePoint last_checkpoint_at_;
  std::thread committer_;
};

}  // namespace oversight::ledger
