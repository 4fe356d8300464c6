// Storage, appends, checkpoints and bad input for the ledger.
#include "oversight/ledger/ledger.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "ledger_test_util.h"
#include "oversight/common/canonical_json.h"
#include "oversight/common/encoding.h"
#include "oversight/common/hash.h"
#include "oversight/common/key_file.h"
#include "oversight/ledger/entry.h"
#include "oversight/ledger/merkle.h"
#include "oversight/ledger/note.h"

namespace oversight::ledger {
namespace {

using testing::CreateTestLedger;
using testing::TempDir;

std::string FileHash(const std::string& path) {
  auto data = ReadSmallFile(path, 1 << 28);
  return data.ok() ? HexEncode(Sha256(*data)) : "";
}

class LedgerTest : public ::testing::Test {
 protected:
  TempDir tmp_;
  LedgerPaths paths_ = CreateTestLedger(tmp_.path());
};

TEST_F(LedgerTest, CreateWritesKeysWithOwnerOnlyPermissions) {
  for (const auto& f : {paths_.db, paths_.key, paths_.signing_key}) {
    struct stat st {};
    ASSERT_EQ(::stat(f.c_str(), &st), 0) << f;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
  }
  auto vkey = ReadSmallFile(paths_.verifier_key);
  ASSERT_TRUE(vkey.ok());
  EXPECT_EQ(vkey->rfind(std::string(testing::kTestOrigin) + "+", 0), 0u) << *vkey;
}

TEST_F(LedgerTest, CreateRefusesToOverwriteAnExistingLedger) {
  auto again = Ledger::Create(paths_, testing::kTestOrigin);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
}

TEST_F(LedgerTest, AppendsAreNumberedChainedAndCanonical) {
  auto ledger = Ledger::Open(paths_);
  ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
  auto r0 = (*ledger)->Append("search.decision", R"({ "b": 2, "a": "x" })");
  auto r1 = (*ledger)->Append("search.decision", R"({"c": [1, 2.50]})");
  ASSERT_TRUE(r0.ok() && r1.ok());
  EXPECT_EQ(r0->seq, 0u);
  EXPECT_EQ(r1->seq, 1u);
  auto b0 = (*ledger)->EntryBytes(0);
  auto b1 = (*ledger)->EntryBytes(1);
  ASSERT_TRUE(b0.ok() && b1.ok());
  EXPECT_EQ(b0->rfind(R"({"kind":"search.decision","payload":{"a":"x","b":2},"prev":"0000)", 0), 0u)
      << *b0;
  EXPECT_EQ(LeafHash(AsBytes(*b0)), r0->leaf_hash);
  auto e1 = DecodeEntry(*b1);
  ASSERT_TRUE(e1.ok());
  EXPECT_EQ(e1->prev, r0->leaf_hash);
  EXPECT_EQ(e1->payload, R"({"c":[1,2.5]})");
  EXPECT_EQ(e1->time.size(), 24u);
}

TEST_F(LedgerTest, ReopenedLedgerContinuesTheChain) {
  testing::AppendEntries(paths_, 3);
  testing::AppendEntries(paths_, 2, 3);
  auto report = testing::MustVerify(paths_);
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.entries, 5u);
  EXPECT_EQ(report.checkpoints_checked, 2u);
}

TEST_F(LedgerTest, AppendRejectsPayloadsThatAreNotJsonObjectsAndAppendsNothing) {
  auto ledger = Ledger::Open(paths_);
  ASSERT_TRUE(ledger.ok());
  for (const char* bad : {"not json", "[1,2]", "\"text\"", R"({"a":1,"a":2})",
                          "{\"a\":", "{\"n\":12345678901234567890}", ""}) {
    auto r = (*ledger)->Append("test", bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ((*ledger)->size(), 0u);
}

// Whatever Append accepts, verify must accept: the entry wraps the payload in one more level,
// so the deepest payload a ledger can hold is one level short of the canonical-JSON limit.
TEST_F(LedgerTest, EveryPayloadAppendAcceptsVerifiesAtTheNestingLimit) {
  auto ledger = Ledger::Open(paths_);
  ASSERT_TRUE(ledger.ok());
  int accepted = 0;
  for (int depth = kMaxJsonDepth - 3; depth <= kMaxJsonDepth + 1; ++depth) {
    std::string payload = "{\"a\":";
    for (int i = 1; i < depth; ++i) payload += "[";
    payload += "1";
    for (int i = 1; i < depth; ++i) payload += "]";
    payload += "}";
    auto r = (*ledger)->Append("test", payload);
    if (r.ok()) {
      ++accepted;
    } else {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << depth;
    }
  }
  EXPECT_GT(accepted, 0);
  ASSERT_TRUE((*ledger)->Checkpoint().ok());
  ledger->reset();
  testing::MustVerify(paths_);
}

TEST_F(LedgerTest, OnlyOneWriterAtATimeWhileReadersStillRead) {
  auto writer = Ledger::Open(paths_);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("test", R"({"i":0})").ok());
  ASSERT_TRUE((*writer)->Checkpoint().ok());
  ASSERT_TRUE((*writer)->Append("test", R"({"i":1})").ok());

  auto second = Ledger::Open(paths_);
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(IsLockedByAnotherWriter(second.status())) << second.status().ToString();

  std::vector<std::string> read;
  auto cp = ReadCheckpointed(paths_, [&](std::uint64_t, std::string_view bytes) {
    read.emplace_back(bytes);
    return Status::Ok();
  });
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->size, 1u) << "only what the latest checkpoint covers";
  EXPECT_EQ(read.size(), 1u);
  testing::MustVerify(paths_);

  writer->reset();  // closing releases the lock
  EXPECT_TRUE(Ledger::Open(paths_).ok());
}

TEST_F(LedgerTest, AppendRejectsBadKinds) {
  auto ledger = Ledger::Open(paths_);
  ASSERT_TRUE(ledger.ok());
  for (const char* bad : {"", "Search", "a b", "x/y", "émoji"}) {
    EXPECT_EQ((*ledger)->Append(bad, "{}").status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE((*ledger)->Append(std::string(65, 'a'), "{}").ok());
}

TEST_F(LedgerTest, AppendRejectsOversizedPayloads) {
  auto ledger = Ledger::Open(paths_);
  ASSERT_TRUE(ledger.ok());
  std::string big = "{\"x\":\"" + std::string(kMaxPayloadBytes, 'a') + "\"}";
  EXPECT_EQ((*ledger)->Append("test", big).status().code(), StatusCode::kResourceExhausted);
}

// Blocking appends from `writers` threads, `per_writer` each: every one returns, with a
// distinct seq, each writer's in order, and the ledger verifies.
void AppendConcurrentlyAndCheck(const LedgerPaths& paths, const LedgerOptions& options, int writers,
                                int per_writer) {
  {
    auto ledger = Ledger::Open(paths, options);
    ASSERT_TRUE(ledger.ok());
    std::vector<std::vector<std::uint64_t>> seqs(writers);
    std::vector<std::thread> threads;
    for (int t = 0; t < writers; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < per_writer; ++i) {
          auto r = (*ledger)->Append("test", "{\"t\":" + std::to_string(t) + "}");
          if (r.ok()) seqs[t].push_back(r->seq);
        }
      });
    }
    for (auto& th : threads) th.join();
    std::set<std::uint64_t> all;
    for (const auto& v : seqs) {
      EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));  // each writer's appends stay ordered
      all.insert(v.begin(), v.end());
    }
    const auto total = static_cast<std::size_t>(writers) * static_cast<std::size_t>(per_writer);
    ASSERT_EQ(all.size(), total);
    EXPECT_EQ(*all.rbegin(), total - 1);
  }
  EXPECT_TRUE(testing::MustVerify(paths).ok);
}

TEST_F(LedgerTest, ConcurrentAppendsGetDistinctConsecutiveSeqsAndVerify) {
  AppendConcurrentlyAndCheck(paths_, LedgerOptions{}, 8, 100);
}

// A batch cut short by max_batch leaves waiting writers for the next batches, whose
// completions must still release every one of them, in order.
TEST_F(LedgerTest, BatchesCutShortByMaxBatchStillReleaseEveryWriter) {
  LedgerOptions options;
  options.max_batch = 3;
  AppendConcurrentlyAndCheck(paths_, options, 16, 30);
}

// Collects asynchronous appends' results until the expected number have come in.
class AsyncResults {
 public:
  Ledger::AppendCallback Callback(int writer) {
    return [this, writer](StatusOr<Receipt> r) {
      std::lock_guard lock(mu_);
      results_.emplace_back(writer, std::move(r));
      cv_.notify_all();
    };
  }
  std::vector<std::pair<int, StatusOr<Receipt>>> WaitFor(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(60), [&] { return results_.size() >= n; });
    return results_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<int, StatusOr<Receipt>>> results_;
};

TEST_F(LedgerTest, AsyncAppendsAreAcknowledgedOnceInOrderBesideBlockingOnesAndVerify) {
  constexpr int kThreads = 4, kPerThread = 100;
  AsyncResults results;
  std::set<std::uint64_t> blocking_seqs;
  {
    auto ledger = Ledger::Open(paths_);
    ASSERT_TRUE(ledger.ok());
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          (*ledger)->AppendAsync("test", "{\"t\":" + std::to_string(t) + "}", results.Callback(t));
        }
      });
    }
    for (int i = 0; i < 20; ++i) {  // blocking appends interleave with the queued ones
      auto r = (*ledger)->Append("test", "{\"blocking\":true}");
      ASSERT_TRUE(r.ok());
      blocking_seqs.insert(r->seq);
    }
    for (auto& th : threads) th.join();
    const auto all = results.WaitFor(kThreads * kPerThread);
    ASSERT_EQ(all.size(), std::size_t{kThreads * kPerThread});  // each callback exactly once
    std::set<std::uint64_t> seqs = blocking_seqs;
    std::vector<std::uint64_t> last(kThreads, 0);
    for (const auto& [writer, r] : all) {
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_TRUE(seqs.insert(r->seq).second) << "seq " << r->seq << " acknowledged twice";
      EXPECT_GE(r->seq, last[writer]);  // one writer's appends keep its order
      last[writer] = r->seq;
      EXPECT_EQ((*ledger)->EntryBytes(r->seq).ok(), true);
    }
    EXPECT_EQ(seqs.size(), std::size_t{kThreads * kPerThread + 20});
    EXPECT_EQ(*seqs.rbegin(), std::uint64_t{kThreads * kPerThread + 20 - 1});
  }
  EXPECT_TRUE(testing::MustVerify(paths_).ok);
}

TEST_F(LedgerTest, AsyncAppendOfABadPayloadFailsAtOnceAndAppendsNothing) {
  auto ledger = Ledger::Open(paths_);
  ASSERT_TRUE(ledger.ok());
  std::optional<StatusOr<Receipt>> result;
  (*ledger)->AppendAsync("test", "[1,2]", [&](StatusOr<Receipt> r) { result = std::move(r); });
  ASSERT_TRUE(result.has_value());  // called before AppendAsync returned
  EXPECT_FALSE(result->ok());
  result.reset();
  (*ledger)->AppendAsync("Bad Kind", "{}", [&](StatusOr<Receipt> r) { result = std::move(r); });
  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(result->ok());
  EXPECT_EQ((*ledger)->size(), 0u);
}

TEST_F(LedgerTest, ClosingTheLedgerFirstCompletesEveryQueuedAsyncAppend) {
  constexpr int kAppends = 300;
  AsyncResults results;
  {
    auto ledger = Ledger::Open(paths_);
    ASSERT_TRUE(ledger.ok());
    for (int i = 0; i < kAppends; ++i) {
      (*ledger)->AppendAsync("test", "{\"i\":" + std::to_string(i) + "}", results.Callback(0));
    }
  }                                     // the destructor drains the queue
  const auto all = results.WaitFor(0);  // no waiting: everything must be in already
  ASSERT_EQ(all.size(), std::size_t{kAppends});
  for (const auto& [writer, r] : all) EXPECT_TRUE(r.ok());
  EXPECT_EQ(testing::MustVerify(paths_).entries, std::uint64_t{kAppends});
}

TEST_F(LedgerTest, WriteAheadLogStaysBoundedAfterReopen) {
  // Opening checks the stored tail entry on the writer's connection; a read left open there
  // once kept SQLite from ever restarting the WAL, which then grew ~1.8 KB per append.
  testing::AppendEntries(paths_, 3);
  constexpr int kThreads = 16, kPerThread = 1500;
  {
    auto ledger = Ledger::Open(paths_);
    ASSERT_TRUE(ledger.ok());
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < kPerThread; ++i) ASSERT_TRUE((*ledger)->Append("test", "{}").ok());
      });
    }
    for (auto& th : threads) th.join();
    // SQLite restarts the WAL after its automatic checkpoint at 1,000 pages (16 MiB here);
    // unbounded, 24,000 appends would have grown it to over 40 MB.
    EXPECT_LT(std::filesystem::file_size(paths_.db + "-wal"), 24u << 20);
  }
}

TEST_F(LedgerTest, SignsACheckpointEveryNEntries) {
  LedgerOptions opts;
  opts.checkpoint_every_entries = 10;
  auto ledger = Ledger::Open(paths_, opts);
  ASSERT_TRUE(ledger.ok());
  for (int i = 0; i < 25; ++i) ASSERT_TRUE((*ledger)->Append("test", "{}").ok());
  std::vector<std::uint64_t> sizes;
  for (const auto& cp : (*ledger)->Checkpoints()) sizes.push_back(cp.size);
  EXPECT_EQ(sizes, (std::vector<std::uint64_t>{10, 20}));
}

TEST_F(LedgerTest, SignsACheckpointAfterTheIntervalWhenIdle) {
  LedgerOptions opts;
  opts.checkpoint_every_entries = 0;
  opts.checkpoint_every = std::chrono::milliseconds(100);
  auto ledger = Ledger::Open(paths_, opts);
  ASSERT_TRUE(ledger.ok());
  ASSERT_TRUE((*ledger)->Append("test", "{}").ok());
  for (int i = 0; i < 100 && !(*ledger)->LatestCheckpoint(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto cp = (*ledger)->LatestCheckpoint();
  ASSERT_TRUE(cp.has_value());
  EXPECT_EQ(cp->size, 1u);
}

TEST_F(LedgerTest, OnDemandCheckpointIsReusedUntilTheTreeGrows) {
  auto ledger = Ledger::Open(paths_);
  ASSERT_TRUE(ledger.ok());
  EXPECT_EQ((*ledger)->Checkpoint().status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE((*ledger)->Append("test", "{}").ok());
  auto a = (*ledger)->Checkpoint();
  auto b = (*ledger)->Checkpoint();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->note, b->note);
  EXPECT_EQ((*ledger)->Checkpoints().size(), 1u);
  auto verifier = NoteVerifier::FromVerifierKey((*ledger)->verifier_key());
  ASSERT_TRUE(verifier.ok());
  auto opened = OpenCheckpoint(a->note, *verifier);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->size, 1u);
  EXPECT_EQ(opened->origin, testing::kTestOrigin);
}

TEST_F(LedgerTest, ProofsFromTheLedgerVerifyAgainstItsCheckpoint) {
  testing::AppendEntries(paths_, 37);
  auto ledger = Ledger::Open(paths_);
  ASSERT_TRUE(ledger.ok());
  auto cp = (*ledger)->LatestCheckpoint();
  ASSERT_TRUE(cp && cp->size == 37);
  for (std::uint64_t i : {0u, 17u, 36u}) {
    auto p = (*ledger)->ProveInclusion(i, 37);
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(VerifyInclusion(i, 37, p->leaf_hash, p->hashes, cp->root).ok());
  }
  auto c = (*ledger)->ProveConsistency(5, 37);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(VerifyConsistency(5, 37, c->root1, cp->root, c->hashes).ok());
  EXPECT_EQ((*ledger)->ProveInclusion(37, 37).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LedgerTest, OpenRefusesAKeyFileReadableByOthers) {
  ASSERT_EQ(::chmod(paths_.key.c_str(), 0644), 0);
  auto ledger = Ledger::Open(paths_);
  ASSERT_FALSE(ledger.ok());
  EXPECT_EQ(ledger.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(ledger.status().message().find("chmod 600"), std::string::npos);
}

TEST_F(LedgerTest, OpenRefusesASigningKeyReadableByGroup) {
  ASSERT_EQ(::chmod(paths_.signing_key.c_str(), 0640), 0);
  EXPECT_EQ(Ledger::Open(paths_).status().code(), StatusCode::kPermissionDenied);
}

TEST_F(LedgerTest, OpenWithTheWrongKeyFailsClearlyAndChangesNothing) {
  testing::AppendEntries(paths_, 3);
  std::string before = FileHash(paths_.db);
  std::filesystem::remove(paths_.key);
  ASSERT_TRUE(CreateRawKey256File(paths_.key).ok());
  auto ledger = Ledger::Open(paths_);
  ASSERT_FALSE(ledger.ok());
  EXPECT_EQ(ledger.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(ledger.status().message().find("wrong ledger key"), std::string::npos);
  auto report = VerifyLedger(paths_, {});
  EXPECT_EQ(report.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(FileHash(paths_.db), before);
}

TEST_F(LedgerTest, OpenOfAMissingLedgerSaysNotFound) {
  std::filesystem::remove(paths_.db);
  EXPECT_EQ(Ledger::Open(paths_).status().code(), StatusCode::kNotFound);
}

TEST_F(LedgerTest, OpenOfAPlainSqliteFileSaysItIsNotALedger) {
  std::filesystem::remove(paths_.db);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(paths_.db.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto ledger = Ledger::Open(paths_);
  ASSERT_FALSE(ledger.ok());
  EXPECT_EQ(ledger.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(ledger.status().message().find("not an Oversight ledger"), std::string::npos);
}

TEST_F(LedgerTest, OpenOfAnEncryptedDatabaseWithoutLedgerTablesSaysItIsNotALedger) {
  {
    testing::RawLedgerDb raw(paths_);
    raw.Exec("DELETE FROM meta;");
  }
  auto ledger = Ledger::Open(paths_);
  ASSERT_FALSE(ledger.ok());
  EXPECT_NE(ledger.status().message().find("not an Oversight ledger"), std::string::npos);
}

TEST_F(LedgerTest, OpenOfARandomFileFailsWithoutCrashing) {
  std::filesystem::remove(paths_.db);
  std::ofstream(paths_.db) << std::string(8192, 'z');
  auto ledger = Ledger::Open(paths_);
  ASSERT_FALSE(ledger.ok());
  EXPECT_EQ(ledger.status().code(), StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace oversight::ledger
