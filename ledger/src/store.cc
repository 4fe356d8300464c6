#include "store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "oversight/common/sqlite_db.h"

namespace oversight::ledger {
namespace {

enum Slot { kInsertEntry = 0, kInsertCheckpoint = 1, kEntryBytes = 2 };

constexpr char kSchema[] =
    "CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE entries(seq INTEGER PRIMARY KEY, bytes BLOB NOT NULL, leaf BLOB NOT NULL);"
    "CREATE TABLE checkpoints(size INTEGER PRIMARY KEY, root BLOB NOT NULL, note TEXT NOT NULL,"
    " time TEXT NOT NULL);";

struct StmtCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtCloser>;

// Columns declared NOT NULL can still read back NULL from a tampered file.
std::string Text(sqlite3_stmt* s, int col) {
  const unsigned char* t = sqlite3_column_text(s, col);
  return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
}

bool IsPlainSqlite(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char header[16] = {};
  ssize_t n = ::read(fd, header, sizeof header);
  ::close(fd);
  return n == 16 && std::memcmp(header, "SQLite format 3", 16) == 0;
}

// Keys the connection with the raw key and applies the cipher settings. The key text is
// wiped from memory straight after use.
Status ApplyKey(sqlite3* db, const SecretBytes& key) {
  OVERSIGHT_RETURN_IF_ERROR(sqlite::KeyConnection(db, key).WithContext("ledger"));
  std::string pragma = "PRAGMA cipher_page_size = " + std::to_string(kCipherPageSize) + ";";
  if (sqlite3_exec(db, pragma.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Status::Internal("cannot set cipher_page_size");
  }
  return Status::Ok();
}

StatusOr<sqlite3*> OpenConnection(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Status::IOError("cannot open " + path + ": " + msg);
  }
  sqlite3_extended_result_codes(db, 1);
  return db;
}

}  // namespace

Store::~Store() {
  for (auto* s : stmts_) sqlite3_finalize(s);
  sqlite3_close(db_);
}

Status Store::Error(int rc, std::string_view what) const {
  Status s = sqlite::MapError(db_, rc, std::string(what) + " (" + path_ + ")");
  if (s.code() == StatusCode::kCorruption) {
    return Status::Corruption(s.message() + "; the ledger file is damaged");
  }
  return s;
}

Status Store::Exec(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : Error(rc, "executing SQL");
}

sqlite3_stmt* Store::Prepared(int slot, const char* sql) {
  if (stmts_[slot] == nullptr) {
    if (sqlite3_prepare_v2(db_, sql, -1, &stmts_[slot], nullptr) != SQLITE_OK) {
      return nullptr;
    }
  }
  sqlite3_reset(stmts_[slot]);
  sqlite3_clear_bindings(stmts_[slot]);
  return stmts_[slot];
}

StatusOr<std::unique_ptr<Store>> Store::Create(const std::string& path, const SecretBytes& key,
                                               const std::string& origin,
                                               const std::string& verifier_key,
                                               const std::string& created) {
  // O_EXCL makes creation race-free and sets the mode before any byte is written.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::AlreadyExists(path + " already exists");
    return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  }
  ::close(fd);
  OVERSIGHT_ASSIGN_OR_RETURN(sqlite3 * db, OpenConnection(path, SQLITE_OPEN_READWRITE));
  std::unique_ptr<Store> store(new Store(db, path));
  OVERSIGHT_RETURN_IF_ERROR(ApplyKey(db, key));
  OVERSIGHT_RETURN_IF_ERROR(store->Exec(
      "PRAGMA secure_delete = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"));
  OVERSIGHT_RETURN_IF_ERROR(store->Exec("BEGIN"));
  OVERSIGHT_RETURN_IF_ERROR(store->Exec(kSchema));
  Stmt ins;
  sqlite3_stmt* raw = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO meta(name, value) VALUES(?, ?)", -1, &raw, nullptr);
  ins.reset(raw);
  const std::pair<std::string, std::string> meta[] = {
      {"format", kLedgerFormatName},
      {"version", std::to_string(kLedgerFormatVersion)},
      {"origin", origin},
      {"verifier_key", verifier_key},
      {"created", created}};
  for (const auto& [name, value] : meta) {
    sqlite3_reset(raw);
    sqlite3_bind_text(raw, 1, name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(raw, 2, value.c_str(), -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(raw);
    if (rc != SQLITE_DONE) return store->Error(rc, "writing ledger metadata");
  }
  OVERSIGHT_RETURN_IF_ERROR(store->Exec("COMMIT"));
  return store;
}

StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path, const SecretBytes& key,
                                             bool read_only) {
  if (::access(path.c_str(), F_OK) != 0) return Status::NotFound("ledger " + path + " not found");
  if (IsPlainSqlite(path)) {
    return Status::InvalidArgument(path +
                                   " is an unencrypted SQLite database, not an Oversight ledger");
  }
  int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  OVERSIGHT_ASSIGN_OR_RETURN(sqlite3 * db, OpenConnection(path, flags));
  std::unique_ptr<Store> store(new Store(db, path));
  OVERSIGHT_RETURN_IF_ERROR(ApplyKey(db, key));
  // The first read decrypts page 1: a wrong key and a foreign file look the same here.
  int rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  if ((rc & 0xff) == SQLITE_NOTADB) {
    return Status::Unauthenticated("cannot decrypt " + path +
                                   ": wrong ledger key, or not an Oversight ledger file");
  }
  if (rc != SQLITE_OK) return store->Error(rc, "reading the ledger header");
  OVERSIGHT_RETURN_IF_ERROR(store->Exec("PRAGMA secure_delete = ON; PRAGMA synchronous = FULL;"));
  if (!read_only) OVERSIGHT_RETURN_IF_ERROR(store->Exec("PRAGMA journal_mode = WAL;"));
  auto format = store->Meta("format");
  if (!format.ok() || *format != kLedgerFormatName) {
    return Status::InvalidArgument(path + " is a database but not an Oversight ledger");
  }
  OVERSIGHT_ASSIGN_OR_RETURN(std::string version, store->Meta("version"));
  if (version != std::to_string(kLedgerFormatVersion)) {
    return Status::FailedPrecondition(path + " has ledger format version " + version +
                                      "; this build reads version " +
                                      std::to_string(kLedgerFormatVersion));
  }
  return store;
}

StatusOr<std::string> Store::Meta(const std::string& name) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db_, "SELECT value FROM meta WHERE name = ?", -1, &raw, nullptr);
  Stmt stmt(raw);
  if (rc != SQLITE_OK) return Error(rc, "reading ledger metadata");
  sqlite3_bind_text(raw, 1, name.c_str(), -1, SQLITE_TRANSIENT);
  rc = sqlite3_step(raw);
  if (rc == SQLITE_DONE) return Status::NotFound("ledger metadata lacks " + name);
  if (rc != SQLITE_ROW) return Error(rc, "reading ledger metadata");
  return Text(raw, 0);
}

Status Store::Begin() { return Exec("BEGIN IMMEDIATE"); }
Status Store::Commit() { return Exec("COMMIT"); }
void Store::Rollback() { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

Status Store::InsertEntry(std::uint64_t seq, std::string_view bytes, const Hash256& leaf) {
  sqlite3_stmt* s = Prepared(kInsertEntry, "INSERT INTO entries(seq, bytes, leaf) VALUES(?,?,?)");
  if (s == nullptr) return Error(sqlite3_errcode(db_), "preparing entry insert");
  sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(seq));
  sqlite3_bind_blob(s, 2, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  sqlite3_bind_blob(s, 3, leaf.data(), static_cast<int>(leaf.size()), SQLITE_STATIC);
  int rc = sqlite3_step(s);
  return rc == SQLITE_DONE ? Status::Ok() : Error(rc, "inserting entry");
}

Status Store::InsertCheckpoint(const CheckpointRow& row) {
  sqlite3_stmt* s = Prepared(kInsertCheckpoint,
                             "INSERT INTO checkpoints(size, root, note, time) VALUES(?,?,?,?)");
  if (s == nullptr) return Error(sqlite3_errcode(db_), "preparing checkpoint insert");
  sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(row.size));
  sqlite3_bind_blob(s, 2, row.root.data(), static_cast<int>(row.root.size()), SQLITE_STATIC);
  sqlite3_bind_text(s, 3, row.note.data(), static_cast<int>(row.note.size()), SQLITE_STATIC);
  sqlite3_bind_text(s, 4, row.time.data(), static_cast<int>(row.time.size()), SQLITE_STATIC);
  int rc = sqlite3_step(s);
  return rc == SQLITE_DONE ? Status::Ok() : Error(rc, "inserting checkpoint");
}

Status Store::ForEachEntry(std::uint64_t from, std::uint64_t to, const EntryFn& fn) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(
      db_, "SELECT seq, bytes, leaf FROM entries WHERE seq >= ? AND seq < ? ORDER BY seq", -1, &raw,
      nullptr);
  Stmt stmt(raw);
  if (rc != SQLITE_OK) return Error(rc, "reading entries");
  constexpr auto kMax = static_cast<std::uint64_t>(INT64_MAX);
  sqlite3_bind_int64(raw, 1, static_cast<sqlite3_int64>(std::min(from, kMax)));
  sqlite3_bind_int64(raw, 2, static_cast<sqlite3_int64>(std::min(to, kMax)));
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    auto seq = static_cast<std::uint64_t>(sqlite3_column_int64(raw, 0));
    const void* b = sqlite3_column_blob(raw, 1);
    auto blen = static_cast<std::size_t>(sqlite3_column_bytes(raw, 1));
    const void* l = sqlite3_column_blob(raw, 2);
    auto llen = static_cast<std::size_t>(sqlite3_column_bytes(raw, 2));
    OVERSIGHT_RETURN_IF_ERROR(
        fn(seq, {static_cast<const char*>(b), blen}, {static_cast<const std::uint8_t*>(l), llen}));
  }
  return rc == SQLITE_DONE ? Status::Ok() : Error(rc, "reading entries");
}

Status Store::ForEachLeaf(const std::function<void(std::uint64_t, const Hash256&)>& fn) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db_, "SELECT seq, leaf FROM entries ORDER BY seq", -1, &raw, nullptr);
  Stmt stmt(raw);
  if (rc != SQLITE_OK) return Error(rc, "reading leaf hashes");
  Hash256 leaf{};
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    if (sqlite3_column_bytes(raw, 1) != static_cast<int>(leaf.size())) {
      return Status::Corruption("entry " + std::to_string(sqlite3_column_int64(raw, 0)) +
                                ": stored leaf hash has the wrong length");
    }
    std::memcpy(leaf.data(), sqlite3_column_blob(raw, 1), leaf.size());
    fn(static_cast<std::uint64_t>(sqlite3_column_int64(raw, 0)), leaf);
  }
  return rc == SQLITE_DONE ? Status::Ok() : Error(rc, "reading leaf hashes");
}

StatusOr<std::vector<Hash256>> Store::Leaves(std::uint64_t from, std::uint64_t to) {
  std::vector<Hash256> leaves;
  leaves.reserve(std::min<std::uint64_t>(to - from, 4096));  // callers read small ranges
  OVERSIGHT_RETURN_IF_ERROR(ForEachEntry(
      from, to, [&](std::uint64_t seq, std::string_view, std::span<const std::uint8_t> leaf) {
        if (seq != from + leaves.size() || leaf.size() != Hash256{}.size()) {
          return Status::Corruption("entry " + std::to_string(from + leaves.size()) +
                                    " is missing or its stored leaf hash is malformed");
        }
        std::copy(leaf.begin(), leaf.end(), leaves.emplace_back().begin());
        return Status::Ok();
      }));
  if (leaves.size() != to - from) {
    return Status::Corruption("entry " + std::to_string(from + leaves.size()) + " is missing");
  }
  return leaves;
}

StatusOr<std::string> Store::EntryBytes(std::uint64_t seq) {
  sqlite3_stmt* s = Prepared(kEntryBytes, "SELECT bytes FROM entries WHERE seq = ?");
  if (s == nullptr) return Error(sqlite3_errcode(db_), "preparing entry read");
  sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(seq));
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return Status::NotFound("no entry " + std::to_string(seq));
  if (rc != SQLITE_ROW) return Error(rc, "reading entry");
  std::string bytes(static_cast<const char*>(sqlite3_column_blob(s, 0)),
                    static_cast<std::size_t>(sqlite3_column_bytes(s, 0)));
  // A statement left on its row holds a read transaction open, and while one is open SQLite
  // can never restart the WAL: on the writer's connection the WAL then grew without bound.
  sqlite3_reset(s);
  return bytes;
}

StatusOr<std::uint64_t> Store::EntryCount() {
  sqlite3_stmt* raw = nullptr;
  int rc =
      sqlite3_prepare_v2(db_, "SELECT coalesce(max(seq) + 1, 0) FROM entries", -1, &raw, nullptr);
  Stmt stmt(raw);
  if (rc != SQLITE_OK || (rc = sqlite3_step(raw)) != SQLITE_ROW) return Error(rc, "counting");
  return static_cast<std::uint64_t>(sqlite3_column_int64(raw, 0));
}

StatusOr<std::vector<CheckpointRow>> Store::Checkpoints() {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db_, "SELECT size, root, note, time FROM checkpoints ORDER BY size",
                              -1, &raw, nullptr);
  Stmt stmt(raw);
  if (rc != SQLITE_OK) return Error(rc, "reading checkpoints");
  std::vector<CheckpointRow> rows;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    CheckpointRow row;
    row.size = static_cast<std::uint64_t>(sqlite3_column_int64(raw, 0));
    if (sqlite3_column_bytes(raw, 1) == static_cast<int>(row.root.size())) {
      std::memcpy(row.root.data(), sqlite3_column_blob(raw, 1), row.root.size());
    }
    row.note = Text(raw, 2);
    row.time = Text(raw, 3);
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return Error(rc, "reading checkpoints");
  return rows;
}

}  // namespace oversight::ledger
