// Store: the SQLCipher file behind a ledger. Private to the ledger library.
//
// Cipher settings (SQLCipher 3.4.1 as shipped by Debian 12): a raw 256-bit key given as
// x'<hex>' (no PBKDF2 on the key; SQLCipher derives the page-HMAC key from it and the file's
// random 16-byte salt), AES-256-CBC per page with a random IV, HMAC-SHA1 per page,
// cipher_page_size 16384. secure_delete on, WAL journal, synchronous=FULL (a commit returns
// after the WAL is fsynced). Not thread-safe: the ledger serialises access.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "oversight/common/hash.h"
#include "oversight/common/secret.h"
#include "oversight/common/status.h"

namespace oversight::ledger {

inline constexpr char kLedgerFormatName[] = "oversight-ledger";
inline constexpr int kLedgerFormatVersion = 1;
inline constexpr int kCipherPageSize = 16384;

struct CheckpointRow {
  std::uint64_t size = 0;
  Hash256 root{};
  std::string note;  // the signed note, exactly as signed
  std::string time;
};

class Store {
 public:
  // Creates a new, empty ledger file (mode 0600). AlreadyExists if `path` exists.
  static StatusOr<std::unique_ptr<Store>> Create(const std::string& path, const SecretBytes& key,
                                                 const std::string& origin,
                                                 const std::string& verifier_key,
                                                 const std::string& created);
  // Opens an existing ledger. Distinguishes a missing file, a plain SQLite file, a wrong key
  // or foreign file, a damaged file and a database that is not an Oversight ledger.
  static StatusOr<std::unique_ptr<Store>> Open(const std::string& path, const SecretBytes& key,
                                               bool read_only);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  StatusOr<std::string> Meta(const std::string& name);

  Status Begin();
  Status Commit();
  void Rollback();  // best effort, after a failure
  Status InsertEntry(std::uint64_t seq, std::string_view bytes, const Hash256& leaf);
  Status InsertCheckpoint(const CheckpointRow& row);

  // Calls fn for the stored entries with from <= seq < to, in seq order. Stops at the first
  // non-OK status from fn and returns it.
  using EntryFn = std::function<Status(std::uint64_t seq, std::string_view bytes,
                                       std::span<const std::uint8_t> leaf)>;
  Status ForEachEntry(std::uint64_t from, std::uint64_t to, const EntryFn& fn);
  // Only the stored leaf hashes, in seq order (for opening quickly).
  Status ForEachLeaf(const std::function<void(std::uint64_t, const Hash256&)>& fn);
  // The stored leaf hashes of entries from <= seq < to, in order. Corruption if one is missing
  // or malformed.
  StatusOr<std::vector<Hash256>> Leaves(std::uint64_t from, std::uint64_t to);
  StatusOr<std::string> EntryBytes(std::uint64_t seq);
  // One past the highest stored seq (the entry count when none is missing); O(log n).
  StatusOr<std::uint64_t> EntryCount();
  StatusOr<std::vector<CheckpointRow>> Checkpoints();

 private:
  Store(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Exec(const char* sql);
  Status Error(int rc, std::string_view what) const;
  sqlite3_stmt* Prepared(int slot, const char* sql);

  sqlite3* db_;
  std::string path_;
  sqlite3_stmt* stmts_[4] = {};
};

}  // namespace oversight::ledger
