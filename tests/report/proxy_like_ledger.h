// A real ledger filled with entries shaped exactly as the proxy writes them (request, purge,
// rules; see proxy/src/gateway*.cc and docs/ledger.md), with decisions made by a real rule
// pack from rules/, for the report and replay tests.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oversight/common/clock.h"
#include "oversight/ledger/ledger.h"
#include "oversight/policy/pack.h"
#include "oversight/policy/warrant_registry.h"
#include "temp_dir.h"

namespace oversight::report::testing {

inline constexpr char kStart[] = "2026-03-01T12:00:00Z";

// One search as the proxy sees it: who, which context headers, what the matcher returned.
struct Search {
  std::string principal = "det-alice";
  std::string agency = "King County Sheriff";
  std::string mode = "retrospective";
  std::string purpose = "criminal_investigation";
  std::string source = "still_image";
  std::string case_id = "C-2026-1187";
  std::optional<std::string> warrant_id, exigency, camera_id;
  std::vector<double> similarities;   // matches returned when allowed
  std::vector<std::string> face_ids;  // their FaceIds; default: unique per entry
};

class ProxyLikeLedger {
 public:
  // Creates dir/ledger; decisions are made by `pack_file` (under rules/) with the sample
  // warrant registry, at kStart plus one minute per entry.
  explicit ProxyLikeLedger(const std::string& pack_file = "wa-rcw-43-386.json");
  ~ProxyLikeLedger();

  // Appends a policy-stage request entry; returns whether the pack allowed it.
  bool AppendSearch(const Search& s);
  // A search refused by the role matrix before the pack (stage "role").
  void AppendRoleRefusal(const std::string& principal);
  void AppendPurge(const std::string& rule, const std::string& citation);
  void AppendRulesReload(bool accepted);
  // Moves the clock on by whole days: later entries are dated that much later.
  void SkipDays(int days) { requests_ += days * 24 * 60; }
  // Signs a checkpoint of everything appended so far.
  void Checkpoint();
  // Signs a checkpoint (unless told not to), then closes the ledger (a report reads it
  // read-only, as beside a running proxy).
  void Close(bool sign = true);
  // Writes FILE and FILE.checkpoint as `oversight ledger export` does; returns FILE.
  std::string Export(const std::string& name);

  const std::string& dir() const { return dir_; }
  std::string vkey() const;
  const policy::CompiledPack& pack() const { return *pack_; }
  const policy::WarrantRegistry& warrants() const { return *registry_; }
  const oversight::testing::TempDir& tmp() const { return tmp_; }

 private:
  void Append(const std::string& kind, const std::string& payload);

  oversight::testing::TempDir tmp_;
  std::string dir_;
  FakeClock clock_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::shared_ptr<const policy::CompiledPack> pack_;
  std::unique_ptr<policy::JsonWarrantRegistry> registry_;
  int requests_ = 0;  // minutes after kStart of the next entry
};

std::shared_ptr<const policy::CompiledPack> LoadShippedPack(const std::string& file);
std::unique_ptr<policy::JsonWarrantRegistry> LoadSampleWarrants();

// Replaces the bytes of entry `seq` in the database, as an insider holding the key could,
// without fixing any hash.
void TamperEntry(const std::string& dir, std::uint64_t seq, const std::string& from,
                 const std::string& to);

}  // namespace oversight::report::testing
