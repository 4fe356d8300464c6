#include "entry_pipe.h"

#include <cstring>

namespace oversight::ledger {

EntryPipe::EntryPipe(Store& store) : reader_([this, &store] { Read(store); }) {}

EntryPipe::~EntryPipe() { (void)Finish(); }

EntryPipe::Batch EntryPipe::TakeFree() {
  std::lock_guard lk(mu_);
  if (free_.empty()) return {};
  Batch b = std::move(free_.back());
  free_.pop_back();
  b.data.clear();
  b.entries.clear();
  b.offsets.clear();
  return b;
}

bool EntryPipe::Push(Batch& batch) {
  std::unique_lock lk(mu_);
  cv_.wait(lk, [&] { return queue_.size() < kMaxQueued || cancelled_; });
  if (cancelled_) return false;
  queue_.push_back(std::move(batch));
  cv_.notify_all();
  return true;
}

void EntryPipe::Read(Store& store) {
  Batch batch;
  Status st = store.ForEachEntry(
      0, UINT64_MAX,
      [&](std::uint64_t seq, std::string_view bytes, std::span<const std::uint8_t> leaf) {
        PipedEntry& e = batch.entries.emplace_back();
        e.seq = seq;
        batch.offsets.push_back(batch.data.size());
        batch.data.append(bytes);
        if (leaf.size() == Hash256{}.size()) {
          e.leaf.emplace();
          std::memcpy(e.leaf->data(), leaf.data(), leaf.size());
        }
        if (batch.entries.size() == kBatch) {
          if (!Push(batch)) return Status::Unavailable("cancelled");
          batch = TakeFree();
        }
        return Status::Ok();
      });
  if (st.ok() && !batch.entries.empty()) Push(batch);
  std::lock_guard lk(mu_);
  status_ = st;
  done_ = true;
  cv_.notify_all();
}

void EntryPipe::Consume(const std::function<bool(const PipedEntry&)>& fn) {
  for (;;) {
    Batch batch;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return !queue_.empty() || done_; });
      if (queue_.empty()) return;
      batch = std::move(queue_.front());
      queue_.pop_front();
      cv_.notify_all();
    }
    bool go_on = true;
    for (std::size_t i = 0; go_on && i < batch.entries.size(); ++i) {
      std::size_t end = i + 1 < batch.offsets.size() ? batch.offsets[i + 1] : batch.data.size();
      PipedEntry& e = batch.entries[i];
      e.bytes = std::string_view(batch.data).substr(batch.offsets[i], end - batch.offsets[i]);
      go_on = fn(e);
    }
    std::lock_guard lk(mu_);
    free_.push_back(std::move(batch));
    if (!go_on) return;
  }
}

Status EntryPipe::Finish() {
  {
    std::lock_guard lk(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }
  if (reader_.joinable()) reader_.join();
  std::lock_guard lk(mu_);
  // A reader stopped by Finish itself is not an error.
  return status_.code() == StatusCode::kUnavailable ? Status::Ok() : status_;
}

}  // namespace oversight::ledger
