#include "ledger_test_util.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "oversight/common/encoding.h"
#include "oversight/common/key_file.h"
#include "oversight/ledger/merkle.h"

namespace oversight::ledger::testing {

LedgerPaths CreateTestLedger(const std::string& dir) {
  std::filesystem::create_directories(dir + "/ledger");
  LedgerPaths paths = LedgerPaths::InDirectory(dir + "/ledger");
  auto vkey = Ledger::Create(paths, kTestOrigin);
  EXPECT_TRUE(vkey.ok()) << vkey.status().ToString();
  return paths;
}

void AppendEntries(const LedgerPaths& paths, int n, int first, bool checkpoint) {
  auto ledger = Ledger::Open(paths);
  ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
  for (int i = first; i < first + n; ++i) {
    auto r = (*ledger)->Append("test", "{\"i\":" + std::to_string(i) + "}");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  if (checkpoint) {
    ASSERT_TRUE((*ledger)->Checkpoint().ok());
  }
}

VerifyReport MustVerify(const LedgerPaths& paths, const std::optional<std::string>& trusted) {
  VerifyOptions opts;
  opts.trusted_checkpoint = trusted;
  auto report = VerifyLedger(paths, opts);
  EXPECT_TRUE(report.ok()) << report.status().ToString();
  if (report.ok()) return *report;
  VerifyReport failed;
  failed.ok = false;
  failed.problem = "could not verify: " + report.status().ToString();
  return failed;
}

RawLedgerDb::RawLedgerDb(const LedgerPaths& paths) {
  auto key = ReadRawKey256(paths.key);
  if (!key.ok() || sqlite3_open(paths.db.c_str(), &db_) != SQLITE_OK) std::abort();
  std::string pragma =
      "PRAGMA key = \"x'" + HexEncode(key->view()) + "'\"; PRAGMA cipher_page_size = 16384;";
  Exec(pragma);
}

RawLedgerDb::~RawLedgerDb() { sqlite3_close(db_); }

void RawLedgerDb::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    ADD_FAILURE() << "SQL failed: " << (err ? err : "?") << " in " << sql;
    sqlite3_free(err);
  }
}

std::string RawLedgerDb::EntryBytes(std::uint64_t seq) {
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db_, "SELECT bytes FROM entries WHERE seq = ?", -1, &s, nullptr);
  sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(seq));
  std::string out;
  if (sqlite3_step(s) == SQLITE_ROW) {
    out.assign(static_cast<const char*>(sqlite3_column_blob(s, 0)),
               static_cast<std::size_t>(sqlite3_column_bytes(s, 0)));
  }
  sqlite3_finalize(s);
  return out;
}

void RawLedgerDb::SetEntryBytes(std::uint64_t seq, const std::string& bytes, bool fix_leaf) {
  sqlite3_stmt* s = nullptr;
  const char* sql = fix_leaf ? "UPDATE entries SET bytes = ?1, leaf = ?2 WHERE seq = ?3"
                             : "UPDATE entries SET bytes = ?1 WHERE seq = ?3";
  sqlite3_prepare_v2(db_, sql, -1, &s, nullptr);
  Hash256 leaf = LeafHash(AsBytes(bytes));
  sqlite3_bind_blob(s, 1, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  if (fix_leaf) sqlite3_bind_blob(s, 2, leaf.data(), 32, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 3, static_cast<sqlite3_int64>(seq));
  EXPECT_EQ(sqlite3_step(s), SQLITE_DONE);
  sqlite3_finalize(s);
}

void CopyLedgerFiles(const LedgerPaths& from, const LedgerPaths& to) {
  namespace fs = std::filesystem;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    fs::path src = from.db + suffix, dst = to.db + suffix;
    fs::remove(dst);
    if (fs::exists(src)) fs::copy_file(src, dst);
  }
}

int RunCli(const std::string& args, std::string* output, const std::optional<std::string>& input) {
  std::string cmd = std::string(OVERSIGHT_CLI_PATH) + " " + args + " 2>&1";
  TempDir stdin_dir;
  if (input) {
    std::string file = stdin_dir.File("stdin");
    std::FILE* f = std::fopen(file.c_str(), "wb");
    if (f == nullptr) return -1;
    std::fwrite(input->data(), 1, input->size(), f);
    std::fclose(f);
    cmd += " < " + file;
  }
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  std::array<char, 4096> buf{};
  std::string out;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int status = ::pclose(p);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace oversight::ledger::testing
