// The steps of `oversight init`, one file each (init_*.cc), run in order by init_cmd.cc.
//
// Every step follows one rule for --force: files holding secrets (keys, principals, AWS
// credentials, the ledger) are created only if absent and otherwise kept exactly as they are;
// derived public files (certificates of kept keys stay too) are rewritten. A step records what
// it created or kept in the Report, by path and purpose, never by content.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "oversight/common/clock.h"
#include "oversight/common/status.h"

namespace oversight::cli::init {

struct Artifact {
  std::string path;  // relative to the init directory
  std::string what;
  bool secret = false;  // a 0600 file
  bool kept = false;    // it existed (with --force) and was left alone
};

struct Report {
  std::string dir;  // absolute
  std::vector<Artifact> artifacts;
  std::string verifier_key;
  std::vector<std::string> notes;

  // The absolute path of `rel` inside the init directory.
  std::string Path(std::string_view rel) const { return dir + "/" + std::string(rel); }
  void Add(std::string path, std::string what, bool secret, bool kept = false) {
    artifacts.push_back({std::move(path), std::move(what), secret, kept});
  }
};

// The demo's principals: one per role.
struct DemoPrincipal {
  std::string_view id, agency, role;
};
inline constexpr DemoPrincipal kDemoPrincipals[] = {
    {"det.jones", "Metro PD", "investigator"},
    {"rec.admin", "Metro PD", "records_admin"},
    {"aud.smith", "County Auditor", "auditor"},
    {"pol.analyst", "State Legislature", "policy_analyst"},
    {"ops.root", "Metro PD", "operator"},
};
// The principal whose client certificate is made for mutual TLS demos.
inline constexpr std::string_view kMtlsDemoPrincipal = "det.jones";
// Principals given a client certificate (CN = id): for mutual TLS and console sign-in.
inline constexpr std::string_view kClientCertPrincipals[] = {kMtlsDemoPrincipal, "aud.smith"};
inline constexpr std::string_view kDemoRegion = "us-east-1";
inline constexpr std::string_view kDemoLedgerOrigin = "oversight.local/demo/ledger";

// True if `path` exists (as anything, a dangling symlink included).
bool Exists(const std::string& path);

// Creates `dir` with `mode` unless it exists.
Status MakeDir(const std::string& dir, int mode);

// init_pki.cc: tls/ca.pem+key, server.pem+key, client-<kMtlsDemoPrincipal>.pem+key.
Status MakeTls(Report* report);

// init_principals.cc: principals.json (0600), aws/credentials (0600), aws/config (0600).
Status MakePrincipals(Report* report);

// init_warrants.cc: warrants/court*.key (0600) and warrants/warrants.json signed now.
Status MakeWarrants(TimePoint now, Report* report);

// init_stores.cc: the ledger (sets report->verifier_key), gallery/gallery.key,
// records/records.key and console/console.key (raw 256-bit, 0600).
Status MakeStores(Report* report);

// init_rules.cc: the rules directory of this source tree ($OVERSIGHT_RULES_DIR, else the
// nearest rules/ above the executable, else ./rules).
std::string DefaultRulesDir();
// Resolves --rules (a pack name such as "baseline", or a path to a pack file), checks that the
// pack compiles, and copies it and its .scenarios.json (if any) to rules/. Sets *pack_path to
// the absolute path of the copy.
Status CopyRules(const std::string& pack_arg, Report* report, std::string* pack_path);

}  // namespace oversight::cli::init
