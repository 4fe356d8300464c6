#include "oversight/common/sqlite_db.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "oversight/common/encoding.h"

namespace oversight::sqlite {
namespace {

// Creates the file with mode 0600 before SQLite touches it, so it is never world-readable.
Status CreatePrivateFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno != EEXIST) {
    return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  }
  if (fd >= 0) ::close(fd);
  return Status::Ok();
}

}  // namespace

Status KeyConnection(sqlite3* db, const SecretBytes& key) {
  if (key.size() != 32) return Status::InvalidArgument("database key must be 256 bits");
  std::string text = "x'" + HexEncode(key.view()) + "'";
  const int rc = sqlite3_key(db, text.data(), static_cast<int>(text.size()));
  OPENSSL_cleanse(text.data(), text.size());  // the hex key must not linger in memory
  return rc == SQLITE_OK ? Status::Ok() : Status::Internal("sqlite3_key failed");
}

Status MapError(sqlite3* db, int rc, std::string_view what) {
  const std::string msg = std::string(what) + ": " + sqlite3_errmsg(db);
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return Status::Corruption(msg);
    case SQLITE_FULL:
      return Status::ResourceExhausted(msg);
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return Status::IOError(msg);
    default:
      return Status::Internal(msg);
  }
}

Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::Bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Statement& Statement::Bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}
Statement& Statement::Bind(int index, std::span<const std::uint8_t> blob) {
  sqlite3_bind_blob(stmt_, index, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  return *this;
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

StatusOr<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return MapError(db_, rc, "query failed");
}

Status Statement::Run() {
  OVERSIGHT_ASSIGN_OR_RETURN(bool row, Step());
  (void)row;
  return Status::Ok();
}

std::string Statement::Text(int column) const {
  const unsigned char* t = sqlite3_column_text(stmt_, column);  // NULL from a tampered file
  return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
}
std::int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::Real(int column) const { return sqlite3_column_double(stmt_, column); }
std::span<const std::uint8_t> Statement::Blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  return {static_cast<const std::uint8_t*>(p), p ? static_cast<std::size_t>(n) : 0};
}

StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path, const SecretBytes& key,
                                                   std::string_view what) {
  const std::string name(what);
  OVERSIGHT_RETURN_IF_ERROR(CreatePrivateFile(path));
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<Database> db(new Database(raw, path));
  if (rc != SQLITE_OK) return Status::IOError("cannot open " + name + " " + path);
  OVERSIGHT_RETURN_IF_ERROR(KeyConnection(raw, key));
  // The first read decrypts page 1: a wrong key and a foreign file look the same here.
  const int check =
      sqlite3_exec(raw, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  if ((check & 0xff) == SQLITE_NOTADB) {
    return Status::Unauthenticated("cannot decrypt " + name + " " + path +
                                   ": wrong key, or not an Oversight " + name);
  }
  if (check != SQLITE_OK) return db->Error(check, "reading the " + name);
  return db;
}

Database::~Database() { sqlite3_close(db_); }

Status Database::Exec(const char* sql) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : Error(rc, "executing SQL");
}

StatusOr<Statement> Database::Prepare(std::string_view sql) const {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(rc, "preparing SQL");
  return Statement(db_, stmt);
}

Status Database::Error(int rc, std::string_view what) const {
  return MapError(db_, rc, std::string(what) + " (" + path_ + ")");
}

}  // namespace oversight::sqlite
