// RecordStore: what the agency knows about each enrolled face (subject, booking number and
// the charge status whose lifecycle drives exclusion and purging), kept in the proxy's own
// encrypted SQLCipher file, keyed by the matcher's FaceId.
//
// The matcher knows faces; only the proxy knows whose they are and whether that person was
// ever charged. Every status change is kept as history (who, when, why) until the record is
// purged; the ledger holds the same changes as entries, so the history survives the purge.
// A purge is two-phase (MarkPurging, then Remove) so that a purge interrupted by a crash is
// found again and finished (PendingPurges).
//
// Thread safety: all methods may be called from any thread. Writes are serialised on one
// connection; StatusOf reads an in-memory map kept in step with committed writes, so the
// exclusion check on every search result never touches the disk.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oversight/common/clock.h"
#include "oversight/common/secret.h"
#include "oversight/common/status.h"

namespace oversight::sqlite {
class Database;
}

namespace oversight::proxy {

struct Record {
  std::string face_id;
  std::string collection;
  std::string subject;         // the agency's subject name or id; may be empty
  std::string booking_number;  // may be empty
  std::string charge_status = "unknown";
  TimePoint status_changed_at{};
  TimePoint created_at{};
  std::string purge_rule;  // non-empty while a purge by this retention rule is under way
};

struct StatusChange {
  std::string charge_status;
  TimePoint at{};
  std::string by;      // principal id
  std::string reason;  // free text from the caller; may be empty
};

// Field limits: subject and booking number 0-256 characters, no control characters; the
// charge status one of the policy schema's values (arrested, charged, ... unknown).
Status ValidateRecordFields(std::string_view subject, std::string_view booking_number,
                            std::string_view charge_status);

class RecordStore {
 public:
  // Opens `path` (created 0600 if absent) with the 32-byte raw key.
  static StatusOr<std::unique_ptr<RecordStore>> Open(const std::string& path,
                                                     const SecretBytes& key,
                                                     const Clock& clock = SystemClock::Instance());
  ~RecordStore();
  RecordStore(const RecordStore&) = delete;
  RecordStore& operator=(const RecordStore&) = delete;

  // Creates the record for a newly indexed face; AlreadyExists if the FaceId has one.
  Status Create(const Record& record, std::string_view by);
  StatusOr<Record> Get(std::string_view face_id) const;  // NotFound if none
  StatusOr<std::vector<StatusChange>> History(std::string_view face_id) const;
  // Sets a new charge status and appends it to the history; NotFound if no record.
  StatusOr<Record> UpdateStatus(std::string_view face_id, std::string_view charge_status,
                                std::string_view by, std::string_view reason);
  std::vector<Record> All() const;
  // FaceIds of the records in `collection`.
  std::vector<std::string> FaceIdsIn(std::string_view collection) const;
  // How many records of `collection` have one of `statuses` (from memory).
  std::size_t CountWithStatus(std::string_view collection,
                              const std::vector<std::string>& statuses) const;

  // The charge status of a face, from memory; nullopt if the face has no record.
  std::optional<std::string> StatusOf(std::string_view face_id) const;

  // Purge, phase 1: remember that `rule` is purging this record (survives a crash).
  Status MarkPurging(std::string_view face_id, std::string_view rule);
  // Records a purge started but did not finish.
  std::vector<Record> PendingPurges() const;
  // Purge, phase 2 (and DeleteFaces): the record and its history are deleted for good
  // (secure_delete). Removing an absent record is not an error (idempotent).
  Status Remove(std::string_view face_id);

  std::size_t size() const;

 private:
  RecordStore(std::unique_ptr<sqlite::Database> db, const Clock& clock);
  Status LoadAll();
  Status WriteRecord(const Record& r, bool insert);

  std::unique_ptr<sqlite::Database> db_;
  const Clock& clock_;
  mutable std::mutex mu_;                               // guards db_ and records_
  std::map<std::string, Record, std::less<>> records_;  // face id -> record
};

}  // namespace oversight::proxy
