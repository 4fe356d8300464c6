// bench/report_replay: `oversight rules replay` over a synthetic export of N request entries
// (default 1,000,000) shaped exactly as the proxy writes them, decided by the Washington pack
// and replayed under the baseline pack. Times verification of the export and the replay on
// 1 and 2 threads.
//
//   build/bench/report_replay [--entries N] [--dir DIR] [--keep] [--export FILE] [--replay-only]
// --replay-only times only the replays (for comparing builds run alternately on a busy
// machine). --keep leaves the export in DIR/report_replay_kept; --export reuses such a file (with
// its .checkpoint and .vkey) instead of generating one.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "bench_util.h"
#include "oversight/common/encoding.h"
#include "oversight/common/hash.h"
#include "oversight/common/time_format.h"
#include "oversight/ledger/entry.h"
#include "oversight/ledger/merkle.h"
#include "oversight/ledger/note.h"
#include "oversight/policy/case.h"
#include "oversight/policy/decision_json.h"
#include "oversight/policy/jsonc.h"
#include "oversight/policy/request.h"
#include "oversight/report/replay.h"

namespace oversight::bench {
namespace {

using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr char kOrigin[] = "bench.oversight.local/ledger";

// Every warrant "W-<case>" is active, court-signed and covers its case: a registry with one
// warrant per case, as a county's would have, without signing a million warrants.
class BenchWarrants final : public policy::WarrantRegistry {
 public:
  StatusOr<std::optional<policy::Warrant>> Lookup(std::string_view id) const override {
    if (id.rfind("W-", 0) != 0) return std::optional<policy::Warrant>();
    policy::Warrant w;
    w.id = std::string(id);
    w.status = "active";
    w.court = "court-" + std::to_string(id.size() % 3);
    w.issued_at = issued_;
    w.expires_at = expires_;
    w.case_ids = {std::string(id.substr(2))};
    w.purposes = {"criminal_investigation"};
    w.signature_valid = true;
    return std::optional<policy::Warrant>(std::move(w));
  }

 private:
  const TimePoint issued_ = *ParseRfc3339("2025-01-01T00:00:00Z");
  const TimePoint expires_ = *ParseRfc3339("2027-01-01T00:00:00Z");
};

// Eight kinds of search in turn (a real mix: mostly retrospective investigations).
Json Context(std::uint64_t i, const std::string& case_id) {
  Json c = {{"case_id", case_id},
            {"purpose", "criminal_investigation"},
            {"mode", "retrospective"},
            {"source", "still_image"}};
  switch (i % 8) {
    case 0:
      c["warrant_id"] = "W-" + case_id;
      break;
    case 1:
      c["source"] = "cctv_still";
      c["camera_id"] = "cam-" + std::to_string(i % 97);
      break;
    case 2:
      c["mode"] = "real_time";
      c["source"] = "live_stream";
      break;
    case 3:
      c["purpose"] = "protest_monitoring";
      break;
    case 4:
      c["mode"] = "real_time";
      c["exigency"] = "armed suspect fleeing";
      break;
    case 5:
      c["mode"] = "real_time";
      c["warrant_id"] = "W-" + case_id;
      break;
    case 6:
      c["purpose"] = "missing_person";
      c["court_order_id"] = "CO-" + case_id;
      break;
    default:
      c["warrant_id"] = "W-" + case_id;
      c["reviewer_ids"] = {"sgt-1", "sgt-2"};
      break;
  }
  return c;
}

Json Payload(std::uint64_t i, TimePoint now, const policy::CompiledPack& pack,
             const policy::WarrantRegistry& warrants) {
  const std::string principal = "det-" + std::to_string(i % 50);
  const std::string agency = "Agency " + std::to_string(i % 5);
  const std::string case_id = "K-" + std::to_string(i / 5);
  Json doc = {{"principal",
               {{"id", principal},
                {"agency", agency},
                {"agency_type", "law_enforcement"},
                {"roles", {"investigator"}}}},
              {"action", "search_by_image"},
              {"context", Context(i, case_id)},
              {"request", {{"collection", "booking"}, {"threshold", 80}, {"max_results", 10}}}};
  auto request = policy::RequestFromJson(*policy::ParseJsonc(doc.dump(), "doc"), "doc");
  if (!request.ok()) std::abort();
  policy::FixtureHistory history;
  const policy::Decision d = pack.Evaluate(*request, {&warrants, &history, now});
  Json log = {{"request_id", "req-" + std::to_string(i)},
              {"remote", "10.0.0.7:51234"},
              {"operation", "SearchFacesByImage"},
              {"principal",
               {{"id", principal},
                {"agency", agency},
                {"roles", {"investigator"}},
                {"access_key_id", "AKIA" + principal}}},
              {"images", {{"Image", HexEncode(Sha256(std::to_string(i)))}}},
              {"document", doc},
              {"decision", Json::parse(policy::DecisionToJson(d))}};
  log["decision"]["stage"] = "policy";
  log["outcome"] =
      d.allow ? Json{{"http_status", 200},
                     {"matches",
                      {{{"face_id", "f-" + std::to_string(i % 9973)}, {"similarity", 99.2}}}},
                     {"dropped", {{"below_floor", 2}, {"excluded", 0}, {"over_cap", 0}}}}
              : Json{{"http_status", 400},
                     {"error",
                      {{"type", "AccessDeniedException"}, {"message", "Denied by rule pack"}}}};
  return log;
}

// Writes FILE and FILE.checkpoint exactly as `oversight ledger export` would.
void WriteExport(const std::string& file, std::uint64_t n, const std::string& dir) {
  auto pack = policy::LoadPackFile(std::string(OVERSIGHT_RULES_DIR) + "/wa-rcw-43-386.json");
  if (!pack.ok()) std::abort();
  BenchWarrants warrants;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  ledger::MerkleTree tree;
  Hash256 prev{};
  const TimePoint start = *ParseRfc3339("2026-01-01T00:00:00Z");
  const auto step = std::chrono::milliseconds(365LL * 24 * 3600 * 1000 / static_cast<long long>(n));
  for (std::uint64_t i = 0; i < n; ++i) {
    const TimePoint now = start + step * static_cast<long long>(i);
    auto payload = ledger::CanonicalPayload(Payload(i, now, **pack, warrants).dump());
    if (!payload.ok()) std::abort();
    ledger::Entry e{i, FormatRfc3339Millis(now), "request", *payload, prev};
    const std::string bytes = ledger::EncodeEntry(e);
    prev = ledger::LeafHash(AsBytes(bytes));
    tree.Append(prev);
    out << bytes << '\n';
  }
  const std::string pem = dir + "/signing.pem";
  if (!ledger::NoteSigner::GeneratePemFile(pem).ok()) std::abort();
  auto signer = ledger::NoteSigner::FromPemFile(kOrigin, pem);
  auto note = ledger::SignCheckpoint({kOrigin, n, tree.Root()}, *signer);
  std::ofstream(file + ".checkpoint", std::ios::binary) << *note;
  std::ofstream(file + ".vkey") << signer->VerifierKey() << "\n";
}

// CPU seconds (user + system) of this process: under a loaded machine, wall time says little.
double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

// Reading and decoding alone (export lines, DecodeEntryView with its canonical-form check),
// then reading alone: the floors for any replay, total and serial.
void TimeReading(const report::SourceSpec& spec, report::Provenance provenance, double n) {
  const auto t = SteadyClock::now();
  const double cpu = CpuSeconds();
  std::uint64_t seen = 0;
  auto st = report::ForEachEntry(
      spec,
      [&seen](const ledger::EntryView&) {
        ++seen;
        return Status::Ok();
      },
      &provenance);
  if (!st.ok()) std::abort();
  std::printf("read and decode only: %.2f s wall, %.2f us CPU/entry\n", SecondsSince(t),
              (CpuSeconds() - cpu) * 1e6 / n);
  // Reading alone: what stays serial now that replay decodes on its evaluation threads.
  const auto t2 = SteadyClock::now();
  const double cpu2 = CpuSeconds();
  st = report::ForEachEntryBytes(
      spec,
      [&seen](std::string_view) {
        ++seen;
        return Status::Ok();
      },
      &provenance);
  if (!st.ok()) std::abort();
  std::printf("read only (lines, not decoded): %.2f s wall, %.2f us CPU/entry\n", SecondsSince(t2),
              (CpuSeconds() - cpu2) * 1e6 / n);
}

int Main(int argc, char** argv) {
  std::uint64_t n = 1000000;
  std::string parent = "/tmp";
  bool keep = false;
  std::string reuse;
  bool replay_only = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--entries") && i + 1 < argc)
      n = std::stoull(argv[++i]);
    else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc)
      parent = argv[++i];
    else if (!std::strcmp(argv[i], "--keep"))
      keep = true;
    else if (!std::strcmp(argv[i], "--export") && i + 1 < argc)
      reuse = argv[++i];
    else if (!std::strcmp(argv[i], "--replay-only"))
      replay_only = true;
  }
  ScratchDir scratch(parent);
  const std::string file = reuse.empty() ? scratch.path() + "/export.jsonl" : reuse;
  std::printf("report_replay: %s\n", MachineDescription().c_str());
  auto t = SteadyClock::now();
  if (reuse.empty()) {
    WriteExport(file, n, scratch.path());
    std::printf("generated %llu request entries in %.1f s\n", static_cast<unsigned long long>(n),
                SecondsSince(t));
  }
  const report::SourceSpec spec{"", file, "", file + ".vkey"};
  StatusOr<report::Provenance> provenance = report::Provenance{};
  if (replay_only) {
    std::ifstream in(file, std::ios::binary);
    n = static_cast<std::uint64_t>(std::count(std::istreambuf_iterator<char>(in), {}, '\n'));
  } else {
    t = SteadyClock::now();
    const double cpu0 = CpuSeconds();
    provenance = report::VerifySource(spec);
    if (!provenance.ok() || !provenance->verified) std::abort();
    const double verify = SecondsSince(t), verify_cpu = CpuSeconds() - cpu0;
    n = provenance->entries_verified;
    std::printf("verify-export: %.2f s wall (%.0f entries/s), %.2f us CPU/entry\n", verify,
                double(n) / verify, verify_cpu * 1e6 / double(n));
    TimeReading(spec, *provenance, double(n));
  }
  auto pack = policy::LoadPackFile(std::string(OVERSIGHT_RULES_DIR) + "/baseline.json");
  BenchWarrants warrants;
  for (unsigned threads : {1u, 2u}) {
    report::ReplayOptions options;
    options.warrants = &warrants;
    options.threads = threads;
    t = SteadyClock::now();
    const double cpu = CpuSeconds();
    auto r = report::ReplaySource(spec, &*provenance, *pack, options);
    const double s = SecondsSince(t);
    const double cpu_us = (CpuSeconds() - cpu) * 1e6 / double(n);
    if (!r.ok()) std::abort();
    std::printf(
        "replay, %u thread(s): %.2f s wall (%.0f entries/s), %.2f us CPU/entry; replayed %llu: "
        "allow->deny %llu, deny->allow %llu, unchanged %llu\n",
        threads, s, double(n) / s, cpu_us, static_cast<unsigned long long>(r->replayed),
        static_cast<unsigned long long>(r->allow_deny),
        static_cast<unsigned long long>(r->deny_allow),
        static_cast<unsigned long long>(r->allow_allow + r->deny_deny));
  }
  if (keep && reuse.empty()) {
    std::filesystem::rename(scratch.path(), parent + "/report_replay_kept");
    std::printf("kept %s/report_replay_kept/export.jsonl (remove it by hand)\n", parent.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace oversight::bench

int main(int argc, char** argv) { return oversight::bench::Main(argc, argv); }
