// A thin RAII adapter over SQLCipher shared by the encrypted stores (the matcher's gallery, the
// proxy's records): raw-key keying, new files created 0600, and result codes mapped to Statuses
// in one place (NOTADB/CORRUPT -> Corruption, FULL -> ResourceExhausted, I/O -> IOError).
// Not thread-safe: one Database per connection, serialised by its owner.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "oversight/common/secret.h"
#include "oversight/common/status.h"

namespace oversight::sqlite {

// The Status for SQLite result code `rc` on `db`, with `what` and SQLite's message.
Status MapError(sqlite3* db, int rc, std::string_view what);

// Keys an open connection with a 32-byte raw key (x'<hex>': no PBKDF2, the key is already
// random); the hex text is wiped straight after use. InvalidArgument for another key size.
Status KeyConnection(sqlite3* db, const SecretBytes& key);

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, double value);
  Statement& Bind(int index, std::span<const std::uint8_t> blob);

  // Makes the statement ready to run again with new bindings.
  void Reset();
  // True while a row is available; Internal/Corruption/IOError on failure.
  StatusOr<bool> Step();
  Status Run();  // steps to completion, expecting no rows

  std::string Text(int column) const;
  std::int64_t Int(int column) const;
  double Real(int column) const;
  std::span<const std::uint8_t> Blob(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Database {
 public:
  // Opens or creates `path` (a new file is created 0600), keys it with the 32-byte raw key
  // and checks the key by reading the schema. Unauthenticated if the key does not decrypt it.
  // `what` names the store in messages ("gallery", "records store").
  static StatusOr<std::unique_ptr<Database>> Open(const std::string& path, const SecretBytes& key,
                                                  std::string_view what = "database");
  ~Database();

  Status Exec(const char* sql);
  StatusOr<Statement> Prepare(std::string_view sql) const;
  Status Error(int rc, std::string_view what) const;

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

}  // namespace oversight::sqlite
