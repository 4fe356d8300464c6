#include "ledger_impl.h"

#include <pthread.h>

#include <algorithm>

#include "oversight/common/encoding.h"
#include "oversight/common/time_format.h"
#include "oversight/ledger/entry.h"

namespace oversight::ledger {
namespace {

// The long-lived tree keeps only complete blocks of 2^8 = 256 leaves as one hash each (plus the
// levels above and the last block's leaves): about 0.25 bytes per entry where a full tree holds
// 34, so a proxy's memory no longer grows with its ledger. A proof or a root at an arbitrary
// size reads at most two blocks back (256 rows each, a few 16 KiB pages) and hashes them, well
// under a millisecond; smaller blocks would save little more memory, larger ones make every
// such call read and hash more.
constexpr unsigned kEvictLevel = 8;

// The last two leaves loaded, which the stored tail entry must hash to and link to.
struct TailLeaves {
  Hash256 last{};
  Hash256 before_last{};
};

Status TailCheck(Store& store, std::uint64_t size, const TailLeaves& tail, Hash256* last_leaf,
                 std::string* last_time) {
  if (size == 0) return Status::Ok();
  OVERSIGHT_ASSIGN_OR_RETURN(std::string bytes, store.EntryBytes(size - 1));
  auto entry = DecodeEntry(bytes);
  if (!entry.ok()) return entry.status().WithContext("entry " + std::to_string(size - 1));
  if (LeafHash(AsBytes(bytes)) != tail.last || entry->seq != size - 1 ||
      (size > 1 && entry->prev != tail.before_last)) {
    return Status::Corruption("the last entry (" + std::to_string(size - 1) +
                              ") does not match its hashes; run `oversight ledger verify`");
  }
  *last_leaf = tail.last;
  *last_time = entry->time;
  return Status::Ok();
}

// Checks the stored checkpoints' roots while the tree loads, each as the tree reaches its size:
// then the root needs only what the compact tree still holds, where afterwards it would read a
// block back per checkpoint.
class CheckpointCheck {
 public:
  explicit CheckpointCheck(const std::vector<CheckpointRow>& rows) : rows_(rows) {}

  // Call at every size the tree passes through, from 0 on.
  void At(const MerkleTree& tree) {
    for (; next_ < rows_.size() && rows_[next_].size <= tree.size(); ++next_) {
      const CheckpointRow& row = rows_[next_];
      if (status_.ok() && (row.size != tree.size() || tree.Root() != row.root)) {
        status_ = Mismatch(row.size);
      }
    }
  }
  // The first mismatch, including checkpoints beyond the loaded entries.
  Status Finish() {
    if (status_.ok() && next_ < rows_.size()) status_ = Mismatch(rows_[next_].size);
    return status_;
  }

 private:
  static Status Mismatch(std::uint64_t size) {
    return Status::Corruption("the entries no longer match the checkpoint at size " +
                              std::to_string(size) + "; run `oversight ledger verify`");
  }

  const std::vector<CheckpointRow>& rows_;  // ordered by size
  std::size_t next_ = 0;
  Status status_;
};

Status LoadTree(Store& store, MerkleTree& tree, CheckpointCheck& checkpoints, TailLeaves& tail) {
  Status seq_status;
  checkpoints.At(tree);
  OVERSIGHT_RETURN_IF_ERROR(store.ForEachLeaf([&](std::uint64_t seq, const Hash256& leaf) {
    if (seq != tree.size() && seq_status.ok()) {
      seq_status = Status::Corruption("entry " + std::to_string(tree.size()) +
                                      " is missing; run `oversight ledger verify`");
    }
    tree.Append(leaf);
    tail = {leaf, tail.last};
    checkpoints.At(tree);
  }));
  return seq_status;
}

}  // namespace

Ledger::Impl::Impl(LedgerOptions options, std::unique_ptr<Store> writer,
                   std::unique_ptr<Store> reader, std::unique_ptr<Store> leaf_reader,
                   NoteSigner signer, std::string origin, std::string verifier_key)
    : options_(options),
      writer_(std::move(writer)),
      reader_(std::move(reader)),
      leaf_reader_(std::move(leaf_reader)),
      signer_(std::move(signer)),
      origin_(std::move(origin)),
      verifier_key_(std::move(verifier_key)),
      tree_([this](std::uint64_t begin, std::uint64_t end) { return ReadLeaves(begin, end); },
            kEvictLevel) {}

Ledger::Impl::~Impl() {
  if (committer_.joinable()) {
    {
      std::lock_guard lk(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    committer_.join();
  }
}

Status Ledger::Impl::Load() {
  OVERSIGHT_ASSIGN_OR_RETURN(std::uint64_t count, writer_->EntryCount());
  OVERSIGHT_ASSIGN_OR_RETURN(std::vector<CheckpointRow> rows, writer_->Checkpoints());
  tree_.Reserve(count);
  CheckpointCheck checkpoint_check(rows);
  TailLeaves tail;
  OVERSIGHT_RETURN_IF_ERROR(LoadTree(*writer_, tree_, checkpoint_check, tail));
  OVERSIGHT_RETURN_IF_ERROR(TailCheck(*writer_, tree_.size(), tail, &last_leaf_, &last_time_));
  OVERSIGHT_RETURN_IF_ERROR(checkpoint_check.Finish());
  for (const auto& row : rows) checkpoints_.push_back({row.size, row.root, row.note, row.time});
  committed_size_.store(tree_.size(), std::memory_order_release);
  last_checkpoint_at_ = options_.clock->Now();
  committer_ = std::thread([this] { Run(); });
  return Status::Ok();
}

StatusOr<std::vector<Hash256>> Ledger::Impl::ReadLeaves(std::uint64_t begin,
                                                        std::uint64_t end) const {
  std::lock_guard lk(leaf_reader_mu_);
  return leaf_reader_->Leaves(begin, end);
}

Status Ledger::Impl::Enqueue(Request* r) {
  {
    std::lock_guard lk(mu_);
    if (!poisoned_.ok()) {
      return Status::FailedPrecondition("ledger refuses appends after a failed commit (" +
                                        poisoned_.message() + "); reopen it");
    }
    queue_.push_back(r);
  }
  cv_.notify_one();
  return Status::Ok();
}

Status Ledger::Impl::Submit(Request& r) {
  OVERSIGHT_RETURN_IF_ERROR(Enqueue(&r));
  WaitDone(r);
  return r.status;
}

void Ledger::Impl::WaitDone(const Request& r) const {
  for (;;) {
    // Read the counter before the flag: a batch completed in between changes the counter, so
    // the wait returns at once instead of missing the wake-up.
    std::uint32_t seen = completions_.Load();
    if (r.done.load(std::memory_order_acquire)) return;
    completions_.Wait(seen);
  }
}

namespace {

// An asynchronous append's end: its callback, then the request is freed.
void CallBack(std::unique_ptr<Request> r) noexcept {
  if (r->status.ok()) {
    r->on_done(std::move(r->receipt));
  } else {
    r->on_done(std::move(r->status));
  }
}

}  // namespace

void Ledger::Impl::Complete(std::vector<Request*>& requests, const Status& failure) {
  std::vector<Request*> async;
  bool waiters = false;
  for (Request* r : requests) {
    if (!failure.ok()) r->status = failure;
    if (r->on_done) {
      async.push_back(r);
      continue;
    }
    waiters = true;
    r->done.store(true, std::memory_order_release);  // the last touch: r may be gone after it
  }
  requests.clear();
  if (waiters) completions_.NotifyAll();
  for (Request* r : async) CallBack(std::unique_ptr<Request>(r));
}

namespace {

// Everything of an entry that does not depend on its position, done on the caller's thread and
// outside every lock, so the committer's serial work per entry stays small.
StatusOr<std::string> EntryHead(std::string_view kind, std::string_view payload_json) {
  OVERSIGHT_RETURN_IF_ERROR(ValidateKind(kind));
  OVERSIGHT_ASSIGN_OR_RETURN(std::string payload, CanonicalPayload(payload_json));
  return EncodeEntryHead(kind, payload);
}

}  // namespace

StatusOr<Receipt> Ledger::Impl::Append(std::string_view kind, std::string_view payload_json) {
  Request r;
  OVERSIGHT_ASSIGN_OR_RETURN(r.bytes, EntryHead(kind, payload_json));
  OVERSIGHT_RETURN_IF_ERROR(Submit(r));
  return r.receipt;
}

void Ledger::Impl::AppendAsync(std::string_view kind, std::string_view payload_json,
                               AppendCallback done) {
  StatusOr<std::string> head = EntryHead(kind, payload_json);
  if (!head.ok()) return done(head.status());
  auto r = std::make_unique<Request>();
  r->bytes = std::move(head).value();
  r->on_done = std::move(done);
  if (Status queued = Enqueue(r.get()); !queued.ok()) return r->on_done(std::move(queued));
  (void)r.release();  // the committer's now
}

StatusOr<SignedCheckpoint> Ledger::Impl::Checkpoint() {
  Request r;
  r.checkpoint_only = true;
  OVERSIGHT_RETURN_IF_ERROR(Submit(r));
  if (!r.checkpoint) return Status::FailedPrecondition("the ledger is empty: nothing to sign");
  return *r.checkpoint;
}

bool Ledger::Impl::TimedCheckpointDue(TimePoint now) const {
  std::uint64_t signed_size = checkpoints_.empty() ? 0 : checkpoints_.back().size;
  return options_.checkpoint_every.count() > 0 && tree_.size() > signed_size &&
         now - last_checkpoint_at_ >= options_.checkpoint_every;
}

void Ledger::Impl::Run() {
  // Named for `top -H` and `ps -L`: the thread every durable append waits on.
  pthread_setname_np(pthread_self(), "ledger-commit");
  for (;;) {
    std::vector<Request*> batch;
    bool timed = false;
    {
      std::unique_lock lk(mu_);
      auto wake = [&] { return !queue_.empty() || stopping_; };
      if (options_.checkpoint_every.count() > 0) {
        cv_.wait_for(lk, options_.checkpoint_every, wake);
      } else {
        cv_.wait(lk, wake);
      }
      if (queue_.empty() && stopping_) return;
      std::size_t n = std::min(queue_.size(), options_.max_batch);
      batch.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      timed = poisoned_.ok() && TimedCheckpointDue(options_.clock->Now());
    }
    if (batch.empty() && !timed) continue;
    Status st = poisoned_.ok() ? CommitBatch(batch, timed) : poisoned_;
    if (!st.ok()) Poison(st);
    Complete(batch, st);
  }
}

void Ledger::Impl::Poison(const Status& why) {
  std::vector<Request*> waiting;
  {
    std::lock_guard lk(mu_);
    if (poisoned_.ok()) poisoned_ = why;
    waiting.assign(queue_.begin(), queue_.end());
    queue_.clear();
  }
  // Waiting appends fail too: nothing queued behind a failed commit may be acknowledged.
  Complete(waiting, Status::FailedPrecondition("ledger commit failed: " + why.message()));
}

StatusOr<SignedCheckpoint> Ledger::Impl::SignAt(std::uint64_t size, const std::string& time) {
  OVERSIGHT_ASSIGN_OR_RETURN(Hash256 root, tree_.Root(size));
  OVERSIGHT_ASSIGN_OR_RETURN(std::string note, SignCheckpoint({origin_, size, root}, signer_));
  OVERSIGHT_RETURN_IF_ERROR(writer_->InsertCheckpoint({size, root, note, time}));
  return SignedCheckpoint{size, root, std::move(note), time};
}

}  // namespace oversight::ledger

namespace oversight::ledger {

Status Ledger::Impl::CommitBatch(std::vector<Request*>& batch, bool timed) {
  // Times never go backwards in the chain, even if the wall clock does.
  std::string time = std::max(FormatRfc3339Millis(options_.clock->Now()), last_time_);
  const std::uint64_t base = committed_size_.load(std::memory_order_relaxed);
  std::vector<std::pair<std::string, Hash256>> rows;
  rows.reserve(batch.size());
  bool want_checkpoint = timed;
  Hash256 prev = last_leaf_;
  for (Request* r : batch) {
    if (r->checkpoint_only) {
      want_checkpoint = true;
      continue;
    }
    const std::uint64_t seq = base + rows.size();
    std::string bytes = std::move(r->bytes);
    AppendEntryTail(bytes, prev, seq, time);
    prev = LeafHash(AsBytes(bytes));
    r->receipt = {seq, prev, time};
    rows.emplace_back(std::move(bytes), prev);
  }
  const std::uint64_t new_size = base + rows.size();
  const std::uint64_t signed_size = checkpoints_.empty() ? 0 : checkpoints_.back().size;
  if (options_.checkpoint_every_entries > 0 &&
      new_size - signed_size >= options_.checkpoint_every_entries) {
    want_checkpoint = true;
  }
  OVERSIGHT_RETURN_IF_ERROR(writer_->Begin());
  Status st;
  for (std::size_t i = 0; st.ok() && i < rows.size(); ++i) {
    st = writer_->InsertEntry(base + i, rows[i].first, rows[i].second);
  }
  {
    // Readers never look past committed_size_, so the tree may run ahead during the commit.
    std::unique_lock lk(state_mu_);
    for (const auto& row : rows) tree_.Append(row.second);
  }
  std::optional<SignedCheckpoint> cp;
  if (st.ok() && want_checkpoint && new_size > signed_size) {
    auto signed_cp = SignAt(new_size, time);
    if (signed_cp.ok())
      cp = std::move(signed_cp).value();
    else
      st = signed_cp.status();
  }
  if (st.ok()) st = writer_->Commit();
  if (!st.ok()) {
    writer_->Rollback();
    return st;
  }
  Publish(new_size, prev, time, std::move(cp), batch);
  return Status::Ok();
}

void Ledger::Impl::Publish(std::uint64_t new_size, const Hash256& last_leaf,
                           const std::string& time, std::optional<SignedCheckpoint> cp,
                           std::vector<Request*>& batch) {
  if (cp) {
    std::unique_lock lk(state_mu_);
    checkpoints_.push_back(std::move(*cp));
    last_checkpoint_at_ = options_.clock->Now();
  }
  if (cp) checkpoints_signed_.fetch_add(1);
  commits_.fetch_add(1);
  entries_.fetch_add(new_size - committed_size_.load(std::memory_order_relaxed));
  committed_size_.store(new_size, std::memory_order_release);
  last_leaf_ = last_leaf;
  last_time_ = time;
  for (Request* r : batch) {
    if (r->checkpoint_only && !checkpoints_.empty()) r->checkpoint = checkpoints_.back();
  }
}

}  // namespace oversight::ledger
