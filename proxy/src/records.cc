#include "oversight/proxy/records.h"

#include <algorithm>

#include "oversight/common/sqlite_db.h"
#include "oversight/policy/schema.h"

namespace oversight::proxy {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS records(face_id TEXT PRIMARY KEY, collection TEXT NOT NULL,"
    " subject TEXT NOT NULL, booking_number TEXT NOT NULL, charge_status TEXT NOT NULL,"
    " status_changed_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
    " purge_rule TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS status_history(face_id TEXT NOT NULL, at_ms INTEGER NOT NULL,"
    " charge_status TEXT NOT NULL, by TEXT NOT NULL, reason TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS history_by_face ON status_history(face_id, at_ms);"
    "INSERT OR IGNORE INTO meta VALUES('format', 'oversight-records'), ('version', '1');";

constexpr std::size_t kMaxFieldChars = 256;

std::int64_t ToMs(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
TimePoint FromMs(std::int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

Status CheckText(std::string_view name, std::string_view value) {
  if (value.size() > kMaxFieldChars) {
    return Status::InvalidArgument(std::string(name) + " is longer than 256 characters");
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      return Status::InvalidArgument(std::string(name) + " contains a control character");
    }
  }
  return Status::Ok();
}

Record ReadRow(const sqlite::Statement& q) {
  Record r;
  r.face_id = q.Text(0);
  r.collection = q.Text(1);
  r.subject = q.Text(2);
  r.booking_number = q.Text(3);
  r.charge_status = q.Text(4);
  r.status_changed_at = FromMs(q.Int(5));
  r.created_at = FromMs(q.Int(6));
  r.purge_rule = q.Text(7);
  return r;
}

// Runs `body` inside one transaction; rolls back if it fails.
template <typename Fn>
Status InTransaction(sqlite::Database& db, Fn&& body) {
  OVERSIGHT_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status s = body();
  if (s.ok()) s = db.Exec("COMMIT");
  if (!s.ok()) (void)db.Exec("ROLLBACK");
  return s;
}

Status AppendHistory(sqlite::Database& db, std::string_view face_id, const StatusChange& c) {
  OVERSIGHT_ASSIGN_OR_RETURN(auto q,
                             db.Prepare("INSERT INTO status_history VALUES(?, ?, ?, ?, ?)"));
  return q.Bind(1, face_id)
      .Bind(2, ToMs(c.at))
      .Bind(3, std::string_view(c.charge_status))
      .Bind(4, std::string_view(c.by))
      .Bind(5, std::string_view(c.reason))
      .Run();
}

}  // namespace

Status ValidateRecordFields(std::string_view subject, std::string_view booking_number,
                            std::string_view charge_status) {
  OVERSIGHT_RETURN_IF_ERROR(CheckText("subject", subject));
  OVERSIGHT_RETURN_IF_ERROR(CheckText("booking_number", booking_number));
  if (!policy::ChargeStatusCode(charge_status)) {
    std::string allowed;
    for (std::string_view v : policy::ChargeStatusValues()) {
      allowed += (allowed.empty() ? "" : ", ") + std::string(v);
    }
    return Status::InvalidArgument("charge_status '" + std::string(charge_status) +
                                   "' is not one of " + allowed);
  }
  return Status::Ok();
}

RecordStore::RecordStore(std::unique_ptr<sqlite::Database> db, const Clock& clock)
    : db_(std::move(db)), clock_(clock) {}
RecordStore::~RecordStore() = default;

StatusOr<std::unique_ptr<RecordStore>> RecordStore::Open(const std::string& path,
                                                         const SecretBytes& key,
                                                         const Clock& clock) {
  OVERSIGHT_ASSIGN_OR_RETURN(auto db, sqlite::Database::Open(path, key, "records store"));
  // secure_delete: a purged record's subject and booking number must not survive in free pages.
  OVERSIGHT_RETURN_IF_ERROR(db->Exec("PRAGMA secure_delete = ON; PRAGMA synchronous = FULL;"));
  OVERSIGHT_RETURN_IF_ERROR(db->Exec(kSchema));
  OVERSIGHT_ASSIGN_OR_RETURN(auto q, db->Prepare("SELECT value FROM meta WHERE name = 'format'"));
  OVERSIGHT_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row || q.Text(0) != "oversight-records") {
    return Status::InvalidArgument(path + " is not an Oversight records store");
  }
  std::unique_ptr<RecordStore> store(new RecordStore(std::move(db), clock));
  OVERSIGHT_RETURN_IF_ERROR(store->LoadAll());
  return store;
}

Status RecordStore::LoadAll() {
  OVERSIGHT_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT * FROM records"));
  while (true) {
    OVERSIGHT_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    Record r = ReadRow(q);
    records_.emplace(r.face_id, std::move(r));
  }
  return Status::Ok();
}

Status RecordStore::WriteRecord(const Record& r, bool insert) {
  OVERSIGHT_ASSIGN_OR_RETURN(
      auto q, db_->Prepare(insert ? "INSERT INTO records VALUES(?, ?, ?, ?, ?, ?, ?, ?)"
                                  : "REPLACE INTO records VALUES(?, ?, ?, ?, ?, ?, ?, ?)"));
  return q.Bind(1, std::string_view(r.face_id))
      .Bind(2, std::string_view(r.collection))
      .Bind(3, std::string_view(r.subject))
      .Bind(4, std::string_view(r.booking_number))
      .Bind(5, std::string_view(r.charge_status))
      .Bind(6, ToMs(r.status_changed_at))
      .Bind(7, ToMs(r.created_at))
      .Bind(8, std::string_view(r.purge_rule))
      .Run();
}

Status RecordStore::Create(const Record& record, std::string_view by) {
  OVERSIGHT_RETURN_IF_ERROR(
      ValidateRecordFields(record.subject, record.booking_number, record.charge_status));
  if (record.face_id.empty()) return Status::InvalidArgument("a record needs a FaceId");
  std::lock_guard lock(mu_);
  if (records_.count(record.face_id)) {
    return Status::AlreadyExists("FaceId " + record.face_id + " already has a record");
  }
  Record r = record;
  r.created_at = r.status_changed_at = clock_.Now();
  r.purge_rule.clear();
  const Status written = InTransaction(*db_, [&] {
    OVERSIGHT_RETURN_IF_ERROR(WriteRecord(r, /*insert=*/true));
    return AppendHistory(*db_, r.face_id,
                         {r.charge_status, r.created_at, std::string(by), "created"});
  });
  if (!written.ok()) return written;
  records_.emplace(r.face_id, std::move(r));
  return Status::Ok();
}

StatusOr<Record> RecordStore::Get(std::string_view face_id) const {
  std::lock_guard lock(mu_);
  auto it = records_.find(face_id);
  if (it == records_.end()) return Status::NotFound("no record for FaceId " + std::string(face_id));
  return it->second;
}

StatusOr<std::vector<StatusChange>> RecordStore::History(std::string_view face_id) const {
  std::lock_guard lock(mu_);
  if (!records_.count(face_id)) {
    return Status::NotFound("no record for FaceId " + std::string(face_id));
  }
  OVERSIGHT_ASSIGN_OR_RETURN(
      auto q, db_->Prepare("SELECT at_ms, charge_status, by, reason FROM status_history "
                           "WHERE face_id = ? ORDER BY at_ms, rowid"));
  q.Bind(1, face_id);
  std::vector<StatusChange> out;
  while (true) {
    OVERSIGHT_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back({q.Text(1), FromMs(q.Int(0)), q.Text(2), q.Text(3)});
  }
  return out;
}

StatusOr<Record> RecordStore::UpdateStatus(std::string_view face_id, std::string_view charge_status,
                                           std::string_view by, std::string_view reason) {
  OVERSIGHT_RETURN_IF_ERROR(ValidateRecordFields("", "", charge_status));
  OVERSIGHT_RETURN_IF_ERROR(CheckText("reason", reason));
  std::lock_guard lock(mu_);
  auto it = records_.find(face_id);
  if (it == records_.end()) return Status::NotFound("no record for FaceId " + std::string(face_id));
  Record r = it->second;
  r.charge_status = std::string(charge_status);
  r.status_changed_at = clock_.Now();
  const Status written = InTransaction(*db_, [&] {
    OVERSIGHT_RETURN_IF_ERROR(WriteRecord(r, /*insert=*/false));
    return AppendHistory(
        *db_, face_id,
        {r.charge_status, r.status_changed_at, std::string(by), std::string(reason)});
  });
  if (!written.ok()) return written;
  it->second = r;
  return r;
}

std::vector<Record> RecordStore::All() const {
  std::lock_guard lock(mu_);
  std::vector<Record> out;
  out.reserve(records_.size());
  for (const auto& [id, r] : records_) out.push_back(r);
  return out;
}

std::vector<std::string> RecordStore::FaceIdsIn(std::string_view collection) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [id, r] : records_) {
    if (r.collection == collection) out.push_back(id);
  }
  return out;
}

std::size_t RecordStore::CountWithStatus(std::string_view collection,
                                         const std::vector<std::string>& statuses) const {
  if (statuses.empty()) return 0;
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& [id, r] : records_) {
    if (r.collection != collection) continue;
    n += std::find(statuses.begin(), statuses.end(), r.charge_status) != statuses.end();
  }
  return n;
}

std::optional<std::string> RecordStore::StatusOf(std::string_view face_id) const {
  std::lock_guard lock(mu_);
  auto it = records_.find(face_id);
  if (it == records_.end()) return std::nullopt;
  return it->second.charge_status;
}

Status RecordStore::MarkPurging(std::string_view face_id, std::string_view rule) {
  std::lock_guard lock(mu_);
  auto it = records_.find(face_id);
  if (it == records_.end()) return Status::NotFound("no record for FaceId " + std::string(face_id));
  Record r = it->second;
  r.purge_rule = std::string(rule);
  OVERSIGHT_RETURN_IF_ERROR(WriteRecord(r, /*insert=*/false));
  it->second = std::move(r);
  return Status::Ok();
}

std::vector<Record> RecordStore::PendingPurges() const {
  std::lock_guard lock(mu_);
  std::vector<Record> out;
  for (const auto& [id, r] : records_) {
    if (!r.purge_rule.empty()) out.push_back(r);
  }
  return out;
}

Status RecordStore::Remove(std::string_view face_id) {
  std::lock_guard lock(mu_);
  const Status removed = InTransaction(*db_, [&]() -> Status {
    OVERSIGHT_ASSIGN_OR_RETURN(auto del, db_->Prepare("DELETE FROM records WHERE face_id = ?"));
    OVERSIGHT_RETURN_IF_ERROR(del.Bind(1, face_id).Run());
    OVERSIGHT_ASSIGN_OR_RETURN(auto hist,
                               db_->Prepare("DELETE FROM status_history WHERE face_id = ?"));
    return hist.Bind(1, face_id).Run();
  });
  if (!removed.ok()) return removed;
  auto it = records_.find(face_id);
  if (it != records_.end()) records_.erase(it);
  return Status::Ok();
}

std::size_t RecordStore::size() const {
  std::lock_guard lock(mu_);
  return records_.size();
}

}  // namespace oversight::proxy
