// Helpers for the ledger tests: temporary directories, ledgers made for a test, and a raw
// SQLCipher handle with which tests tamper with a ledger as an insider holding the key would.
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <optional>
#include <string>

#include "oversight/ledger/ledger.h"
#include "oversight/ledger/verify.h"
#include "temp_dir.h"

namespace oversight::ledger::testing {

using oversight::testing::TempDir;

inline constexpr char kTestOrigin[] = "test.oversight.local/ledger";

// Creates a ledger in dir/ledger and returns its paths (aborts the test on failure).
LedgerPaths CreateTestLedger(const std::string& dir);

// Opens the ledger, appends n entries with payload {"i": <k>} (k counting from `first`),
// optionally signs a checkpoint, and closes it.
void AppendEntries(const LedgerPaths& paths, int n, int first = 0, bool checkpoint = true);

VerifyReport MustVerify(const LedgerPaths& paths,
                        const std::optional<std::string>& trusted = std::nullopt);

// The ledger's SQLCipher database opened directly with its key, for tampering.
class RawLedgerDb {
 public:
  explicit RawLedgerDb(const LedgerPaths& paths);
  ~RawLedgerDb();
  void Exec(const std::string& sql);
  std::string EntryBytes(std::uint64_t seq);
  // Rewrites an entry's stored bytes; recomputes its stored leaf hash if asked.
  void SetEntryBytes(std::uint64_t seq, const std::string& bytes, bool fix_leaf);

 private:
  sqlite3* db_ = nullptr;
};

// Copies a ledger's database (and its WAL, if any) to another directory's paths.
void CopyLedgerFiles(const LedgerPaths& from, const LedgerPaths& to);

// Runs the oversight CLI with a shell command line; returns its exit status (0..255).
// `input`, when given, is the command's standard input.
int RunCli(const std::string& args, std::string* output = nullptr,
           const std::optional<std::string>& input = std::nullopt);

}  // namespace oversight::ledger::testing
