// EntryPipe: reads a store's entries on one thread while the caller checks them on another,
// so decryption and page reads overlap with parsing and hashing during verification.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "oversight/common/hash.h"
#include "store.h"

namespace oversight::ledger {

struct PipedEntry {
  std::uint64_t seq = 0;
  std::string_view bytes;       // valid during the Consume callback only
  std::optional<Hash256> leaf;  // empty if the stored leaf had the wrong length
};

class EntryPipe {
 public:
  // Starts reading all entries of `store`, which the caller must not touch until Finish.
  explicit EntryPipe(Store& store);
  ~EntryPipe();
  EntryPipe(const EntryPipe&) = delete;
  EntryPipe& operator=(const EntryPipe&) = delete;

  // Calls fn for each entry in seq order until fn returns false or the entries end.
  void Consume(const std::function<bool(const PipedEntry&)>& fn);
  // Stops the reader and returns its status (an I/O or damage error, or OK).
  Status Finish();

 private:
  // Entries travel in batches whose bytes share one buffer; consumed batches go back to the
  // reader for reuse, so steady state allocates nothing.
  struct Batch {
    std::string data;
    std::vector<PipedEntry> entries;  // bytes as offsets into data until handed out
    std::vector<std::size_t> offsets;
  };
  static constexpr std::size_t kBatch = 512, kMaxQueued = 8;
  void Read(Store& store);
  bool Push(Batch& batch);
  Batch TakeFree();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> queue_;
  std::vector<Batch> free_;
  bool done_ = false, cancelled_ = false;
  Status status_;
  std::thread reader_;
};

}  // namespace oversight::ledger
