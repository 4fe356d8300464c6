// What-if replay of a real ledger's request documents under another shipped pack.
#include "oversight/report/replay.h"

#include <gtest/gtest.h>

#include "oversight/common/time_format.h"
#include "proxy_like_ledger.h"

namespace oversight::report {
namespace {

using testing::LoadShippedPack;
using testing::ProxyLikeLedger;
using testing::Search;

// Searches decided by the pack the ledger was made with; see each comment for Washington's
// decision and what the baseline pack (a warrant for every retrospective search, no real
// time at all) would have decided.
void Fill(ProxyLikeLedger& l) {
  Search a;  // 0: WA allow; baseline: no warrant, no permit -> deny
  l.AppendSearch(a);
  Search b;  // 1: allowed by both (the warrant is in the registry)
  b.warrant_id = "W-2026-0042";
  l.AppendSearch(b);
  Search c;  // 2: denied by both
  c.mode = "real_time";
  c.source = "live_stream";
  l.AppendSearch(c);
  Search d;  // 3: denied by both
  d.purpose = "protest_monitoring";
  l.AppendSearch(d);
  Search e;  // 4: WA allow (exigency); baseline forbid-real-time
  e.mode = "real_time";
  e.source = "cctv_still";
  e.exigency = "armed suspect fleeing toward a school";
  l.AppendSearch(e);
  Search f;  // 5: WA allow (warrant); baseline forbid-real-time
  f.mode = "real_time";
  f.warrant_id = "W-2026-0042";
  l.AppendSearch(f);
  l.AppendRoleRefusal("clerk-1");  // 6: never reached a pack
  l.Close();
}

ReplayResult Replay(const ProxyLikeLedger& l, const std::string& pack_file,
                    const policy::WarrantRegistry* warrants, unsigned threads = 2) {
  ReplayOptions options;
  options.warrants = warrants;
  options.threads = threads;
  Provenance provenance;
  auto r = ReplaySource({l.dir(), "", "", ""}, &provenance, LoadShippedPack(pack_file), options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : ReplayResult{};
}

class ReplayTest : public ::testing::Test {
 protected:
  void SetUp() override { Fill(ledger_); }
  ProxyLikeLedger ledger_;
};

TEST_F(ReplayTest, UnderTheRecordingPackNothingChanges) {
  ReplayResult r = Replay(ledger_, "wa-rcw-43-386.json", &ledger_.warrants());
  EXPECT_EQ(r.requests, 7u);
  EXPECT_EQ(r.replayed, 6u);
  EXPECT_EQ(r.not_by_pack, 1u);
  EXPECT_EQ(r.unreadable, 0u);
  EXPECT_EQ(r.allow_allow, 4u);
  EXPECT_EQ(r.deny_deny, 2u);
  EXPECT_EQ(r.allow_deny + r.deny_allow, 0u);
  EXPECT_TRUE(r.by_rule.empty());
  EXPECT_EQ(r.recorded_packs[ledger_.pack().sha256_hex()], 6u);
}

TEST_F(ReplayTest, UnderTheBaselineCountsAllowToDenyByTheDecidingRule) {
  ReplayResult r = Replay(ledger_, "baseline.json", &ledger_.warrants());
  EXPECT_EQ(r.pack_name, "oversight-baseline");
  EXPECT_EQ(r.allow_allow, 1u);
  EXPECT_EQ(r.allow_deny, 3u);
  EXPECT_EQ(r.deny_allow, 0u);
  EXPECT_EQ(r.deny_deny, 2u);
  ASSERT_EQ(r.by_rule.size(), 2u);
  const ChangedByRule& real_time = r.by_rule["forbid-real-time"];
  EXPECT_EQ(real_time.allow_to_deny, 2u);
  EXPECT_EQ(real_time.effect, "forbid");
  EXPECT_EQ(real_time.examples, (std::vector<std::uint64_t>{4, 5}));
  EXPECT_NE(real_time.citation.find("baseline"), std::string::npos);
  EXPECT_EQ(r.by_rule["(no permit matched)"].examples, (std::vector<std::uint64_t>{0}));
}

TEST_F(ReplayTest, WithoutAWarrantRegistryWarrantRulesFailClosed) {
  ReplayResult r = Replay(ledger_, "baseline.json", nullptr);
  EXPECT_FALSE(r.had_warrant_registry);
  EXPECT_EQ(r.allow_allow, 0u);
  EXPECT_EQ(r.allow_deny, 4u);
  EXPECT_EQ(r.by_rule["(no permit matched)"].examples, (std::vector<std::uint64_t>{0, 1}));
}

TEST_F(ReplayTest, ExamplesAreLimitedPerRule) {
  ReplayOptions options;
  options.warrants = &ledger_.warrants();
  options.examples_per_rule = 1;
  Provenance provenance;
  auto r = ReplaySource({ledger_.dir(), "", "", ""}, &provenance, LoadShippedPack("baseline.json"),
                        options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->by_rule["forbid-real-time"].examples, (std::vector<std::uint64_t>{4}));
  EXPECT_EQ(r->by_rule["forbid-real-time"].allow_to_deny, 2u);
}

TEST(ReplayDenyToAllow, ALedgerMadeUnderTheBaselineGainsAllowsUnderWashington) {
  ProxyLikeLedger l("baseline.json");
  Search a;  // baseline: no warrant -> deny; Washington allows retrospective searches
  EXPECT_FALSE(l.AppendSearch(a));
  l.Close();
  ReplayResult r = Replay(l, "wa-rcw-43-386.json", &l.warrants());
  EXPECT_EQ(r.deny_allow, 1u);
  EXPECT_EQ(r.by_rule["permit-retrospective-search"].deny_to_allow, 1u);
  EXPECT_EQ(r.by_rule["permit-retrospective-search"].effect, "permit");
}

// The baseline forbids a search once a subject of its case was matched at 3 cameras in 24 h.
// The proxy that recorded these searches had no history (every one was allowed); the replay
// rebuilds the history from the ledger and so catches the fourth.
TEST(ReplayHistory, RebuildsTrackingHistoryFromEarlierEntries) {
  ProxyLikeLedger l("baseline.json");
  for (int i = 0; i < 4; ++i) {
    Search s;
    s.warrant_id = "W-2026-0042";
    s.camera_id = "cam-" + std::to_string(i);
    s.similarities = {99.5};
    s.face_ids = {"face-suspect"};
    EXPECT_TRUE(l.AppendSearch(s));
  }
  l.Close();
  ReplayResult r = Replay(l, "baseline.json", &l.warrants());
  EXPECT_EQ(r.allow_allow, 3u);
  EXPECT_EQ(r.allow_deny, 1u);
  EXPECT_EQ(r.by_rule["forbid-tracking-pattern"].examples, (std::vector<std::uint64_t>{3}));
}

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

TEST(ReplayUnreadable, EntriesThatAreNotWhatTheProxyWritesAreCountedNotReplayed) {
  Replayer replayer(LoadShippedPack("baseline.json"), {});
  ledger::EntryView not_a_decision{0, "2026-03-01T12:00:00.000Z", "request", R"({"x":1})", {}};
  ledger::EntryView bad_document{1,
                                 "2026-03-01T12:00:01.000Z",
                                 "request",
                                 R"({"decision":{"allow":true,"stage":"policy"},)"
                                 R"("document":{"principal":{"id":7}}})",
                                 {}};
  ledger::EntryView other_kind{2, "2026-03-01T12:00:02.000Z", "purge", R"({"rule":"r"})", {}};
  replayer.Add(not_a_decision);
  replayer.Add(bad_document);
  replayer.Add(other_kind);
  ReplayResult r = replayer.Finish();
  EXPECT_EQ(r.requests, 2u);
  EXPECT_EQ(r.unreadable, 2u);
  EXPECT_EQ(r.replayed, 0u);
}

// Many batches, one or two threads: the same counts and the same (lowest) examples.
TEST_F(ReplayTest, ManyBatchesGiveTheSameResultOnOneOrTwoThreads) {
  std::vector<std::string> entries;
  ledger::ReadCheckpointed(ledger::LedgerPaths::InDirectory(ledger_.dir()),
                           [&](std::uint64_t, std::string_view bytes) {
                             entries.emplace_back(bytes);
                             return Status::Ok();
                           })
      .status()
      .ok();
  ASSERT_EQ(entries.size(), 7u);
  auto run = [&](unsigned threads) {
    ReplayOptions options;
    options.warrants = &ledger_.warrants();
    options.threads = threads;
    Replayer replayer(LoadShippedPack("baseline.json"), options);
    const TimePoint start = *ParseRfc3339(testing::kStart);
    for (std::uint64_t seq = 0; seq < 40000; ++seq) {
      // Each copy of the seven entries is its own case, as real cases hold a few searches.
      std::string bytes = entries[seq % entries.size()];
      if (seq >= entries.size()) ReplaceAll(bytes, "C-2026-1187", "K-" + std::to_string(seq / 7));
      auto view = ledger::DecodeEntryView(bytes);
      EXPECT_TRUE(view.ok());
      const std::string time = FormatRfc3339Millis(start + std::chrono::seconds(seq));
      view->seq = seq;
      view->time = time;  // entry times never decrease
      replayer.Add(*view);
    }
    return replayer.Finish();
  };
  ReplayResult one = run(1), two = run(2);
  EXPECT_EQ(two.replayed, 5714u * 6 + 2);  // 40000 = 7 * 5714 + 2; entry 6 of 7 is not replayed
  EXPECT_EQ(one.allow_deny, two.allow_deny);
  EXPECT_EQ(one.deny_deny, two.deny_deny);
  EXPECT_EQ(one.by_rule["forbid-real-time"].examples, two.by_rule["forbid-real-time"].examples);
  EXPECT_EQ(two.by_rule["forbid-real-time"].examples, (std::vector<std::uint64_t>{4, 5, 11}));
}

// AddEncoded decodes on the batch's threads: it must count exactly as Add after decoding
// does, and skip entries of other kinds or outside the period, and count (only) the bytes
// that do not decode, over many batches on one or two threads.
TEST_F(ReplayTest, EncodedEntriesCountExactlyAsDecodedOnes) {
  std::vector<std::string> entries;
  ASSERT_TRUE(ledger::ReadCheckpointed(ledger::LedgerPaths::InDirectory(ledger_.dir()),
                                       [&](std::uint64_t, std::string_view bytes) {
                                         entries.emplace_back(bytes);
                                         return Status::Ok();
                                       })
                  .ok());
  const TimePoint start = *ParseRfc3339(testing::kStart);
  auto time = [&](std::uint64_t seq) {
    return FormatRfc3339Millis(start + std::chrono::seconds(seq));
  };
  std::vector<std::string> encoded;
  for (std::uint64_t seq = 0; seq < 10000; ++seq) {
    auto e = ledger::DecodeEntry(entries[seq % entries.size()]);
    ASSERT_TRUE(e.ok());
    e->seq = seq;
    e->time = time(seq);
    ReplaceAll(e->payload, "C-2026-1187", "K-" + std::to_string(seq / 7));
    if (seq % 1000 == 999) e->kind = "purge";
    encoded.push_back(ledger::EncodeEntry(*e));
  }
  encoded[100] = "not an entry";
  encoded[5000].insert(1, " ");  // not canonical
  ReplayOptions options;
  options.warrants = &ledger_.warrants();
  options.period = {time(50), time(9000)};
  for (unsigned threads : {1u, 2u}) {
    options.threads = threads;
    Replayer by_bytes(LoadShippedPack("baseline.json"), options);
    Replayer by_view(LoadShippedPack("baseline.json"), options);
    for (const std::string& bytes : encoded) {
      by_bytes.AddEncoded(bytes);
      if (auto view = ledger::DecodeEntryView(bytes); view.ok()) by_view.Add(*view);
    }
    const ReplayResult a = by_bytes.Finish(), b = by_view.Finish();
    EXPECT_EQ(by_bytes.undecodable(), 2u);
    EXPECT_EQ(by_view.undecodable(), 0u);
    EXPECT_EQ(a.requests, 9000u - 50 - 9 - 2);  // less 9 purges, entries 100 and 5000
    EXPECT_EQ(ReplayResultJson(a, {}), ReplayResultJson(b, {})) << threads;
  }
}

}  // namespace
}  // namespace oversight::report
