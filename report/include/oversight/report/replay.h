// What-if replay: every past request the rule pack decided, re-evaluated under another pack.
//
// Each `request` entry the proxy wrote at the policy stage carries the complete policy request
// document (payload member `document`) and the decision then made (`decision.allow`). Replay
// evaluates that document under the new pack, at the entry's own time, and counts the
// decisions that would change, by the new pack's deciding rule, with example entries.
//
// Facts: warrant.* comes from the warrant registry given (none: undecided, so permits that
// need a warrant fail closed); history.* is rebuilt from the replayed ledger itself, as the
// proxy rebuilds it at start: answered searches before the entry, with each matched FaceId
// standing for its subject (the records store, which maps faces to subjects, is not in the
// ledger). Decisions that depended on the proxy's live history may therefore differ slightly.
//
// Thread safety: a Replayer is used from one thread. With threads > 1, each full batch of
// entries is read (decoded, parsed) by the thread calling Add, on half of the threads, while
// the previous batch is evaluated in the background on the other half (CompiledPack::Evaluate
// is thread-safe; the history is only read while a batch is evaluated). The warrant registry
// must be thread-safe (JsonWarrantRegistry is: immutable after load).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "oversight/ledger/entry.h"
#include "oversight/policy/pack.h"
#include "oversight/report/period.h"
#include "oversight/report/source.h"

namespace oversight::report {

struct ReplayOptions {
  Period period;
  const policy::WarrantRegistry* warrants = nullptr;  // not owned; must outlive the Replayer
  std::size_t examples_per_rule = 3;
  unsigned threads = 2;
};

// The new pack's rule that decided changed requests (or "(no permit matched)").
struct ChangedByRule {
  std::string effect;  // "permit", "forbid" or "default"
  std::string citation;
  std::uint64_t allow_to_deny = 0, deny_to_allow = 0;
  std::vector<std::uint64_t> examples;  // entry seqs, lowest first
};

struct ReplayResult {
  std::string pack_name, pack_sha256;
  std::uint64_t requests = 0;     // `request` entries in the period
  std::uint64_t replayed = 0;     // ... that the pack had decided, re-evaluated
  std::uint64_t not_by_pack = 0;  // ... refused or allowed before the pack (not replayed)
  std::uint64_t unreadable = 0;   // ... whose payload or document could not be read
  std::uint64_t allow_allow = 0, allow_deny = 0, deny_allow = 0, deny_deny = 0;
  std::map<std::string, ChangedByRule> by_rule;
  // pack_sha256 then in force -> entries (transparent: looked up without a copy per entry)
  std::map<std::string, std::uint64_t, std::less<>> recorded_packs;
  bool had_warrant_registry = false;
};

class Replayer {
 public:
  Replayer(std::shared_ptr<const policy::CompiledPack> pack, ReplayOptions options);
  ~Replayer();
  Replayer(const Replayer&) = delete;
  Replayer& operator=(const Replayer&) = delete;

  // Entries must come in seq order. Copies what it needs; the view may die after the call.
  void Add(const ledger::EntryView& entry);
  // Add for an entry's stored bytes, which are decoded (ledger::DecodeEntryView) with the rest
  // of the batch on the evaluation threads instead of by the caller: the caller's serial part
  // is then only reading. Bytes that do not decode are skipped and counted in undecodable().
  void AddEncoded(std::string_view bytes);
  std::uint64_t undecodable() const;  // complete after Finish
  // Evaluates what is still buffered and returns the totals.
  ReplayResult Finish();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Reads the source (see source.h) through a Replayer, decoding on its threads; entries that do
// not decode are counted in provenance->undecodable, as ForEachEntry counts them.
StatusOr<ReplayResult> ReplaySource(const SourceSpec& spec, Provenance* provenance,
                                    std::shared_ptr<const policy::CompiledPack> pack,
                                    const ReplayOptions& options);

// One sentence on where the facts came from (warrant registry or none, history rebuilt).
std::string ReplayFactsNote(const ReplayResult& result);

// The result as one JSON object (indented text, no final newline), as `oversight rules replay
// --json` prints it and the proxy's POST /oversight/v1/rules/replay answers (docs/reports.md):
// {"source", "verified", "problem", "checkpoint": {"size", "root"}, "pack": {"name",
//  "sha256"}, "requests", "replayed", "not_by_pack", "unreadable", "allow_allow",
//  "allow_deny", "deny_allow", "deny_deny", "by_rule": {id: {"effect", "citation",
//  "allow_to_deny", "deny_to_allow", "examples"}}, "recorded_packs": {sha256: n}, "facts"}.
std::string ReplayResultJson(const ReplayResult& result, const Provenance& provenance);

}  // namespace oversight::report
