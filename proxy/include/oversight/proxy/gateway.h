// Gateway: the request path. Every request the server receives goes through Handle:
//
//   authenticate (SigV4) -> rate limit -> role -> parse and validate -> policy request
//   document (context from headers or the case session, facts from the warrant registry and
//   the history index) -> decide -> [deny: refuse] / [allow: apply obligations -> forward to
//   the matcher -> filter] -> durable ledger append -> answer with a receipt.
//
// Nothing is answered before its ledger entry is durable: if the append fails, whatever the
// matcher said is discarded and the caller gets 503 ServiceUnavailableException (fail
// closed). Refusals at any stage (bad signature, role, throttling, policy) are appended too,
// so the ledger shows every attempt, and the refusal's message names its ledger entry.
// docs/api.md specifies the wire behaviour; docs/ledger.md the entry payloads.
//
// Thread safety: Handle may be called from any number of server worker threads at once.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "oversight/common/clock.h"
#include "oversight/common/status.h"
#include "oversight/ledger/ledger.h"
#include "oversight/policy/facts.h"
#include "oversight/policy/pack.h"
#include "oversight/proxy/history_index.h"
#include "oversight/proxy/http_types.h"
#include "oversight/proxy/metrics.h"
#include "oversight/proxy/principals.h"
#include "oversight/proxy/rate_limiter.h"
#include "oversight/proxy/records.h"
#include "oversight/proxy/sessions.h"
#include "oversight/proxy/sigv4.h"
#include "oversight/proxy/upstream.h"

namespace oversight::proxy {

// Where entries go. The ledger in production; a test may inject failures.
class AuditLog {
 public:
  virtual ~AuditLog() = default;
  virtual StatusOr<ledger::Receipt> Append(std::string_view kind, std::string_view payload) = 0;
  // Ledger::AppendAsync's contract; by default the blocking Append, then `done`.
  virtual void AppendAsync(std::string_view kind, std::string_view payload,
                           ledger::Ledger::AppendCallback done) {
    done(Append(kind, payload));
  }
};
std::unique_ptr<AuditLog> MakeLedgerAuditLog(ledger::Ledger& ledger);

// The ledger entry kind of every request the gateway answers or refuses.
inline constexpr std::string_view kRequestEntryKind = "request";
inline constexpr std::string_view kPurgeEntryKind = "purge";
inline constexpr std::string_view kRulesEntryKind = "rules";

struct GatewayOptions {
  SigV4Config sigv4 = SigV4Config::ForAwsJson();  // Rekognition calls
  SigV4Config api_sigv4;                          // /oversight/v1 calls (host, x-amz-date)
  std::string agency_type = "law_enforcement";    // principal.agency_type for everyone
  RateLimit rate_limit;
  std::chrono::seconds session_max_duration{12 * 3600};
  std::chrono::seconds session_default_duration{3600};
  std::size_t max_image_bytes = 5u << 20;  // decoded, as Rekognition
  std::string rule_pack_path;              // what a reload reads
  std::chrono::seconds console_session_duration{8 * 3600};
  // The ledger's directory, opened read-only (with its key) for the auditor's report and the
  // analyst's replay; empty: those calls answer ServiceUnavailable.
  std::string ledger_dir;
};

// Not owned; everything must outlive the Gateway. `ledger` serves auditors' reads and
// history rebuilds; `audit` is where entries are written (normally the same ledger).
struct GatewayDeps {
  std::shared_ptr<const PrincipalStore> principals;
  policy::PolicyStore* policy = nullptr;
  const policy::WarrantRegistry* warrants = nullptr;  // null: warrant facts undecided
  Upstream* upstream = nullptr;
  AuditLog* audit = nullptr;
  ledger::Ledger* ledger = nullptr;
  RecordStore* records = nullptr;
  // The console's sign-in link key (32 bytes); null: sign-in links are refused.
  const SecretBytes* console_key = nullptr;
  const Clock* clock = &SystemClock::Instance();
};

struct PurgeReport {
  std::size_t purged = 0, resumed = 0, failed = 0;
  std::vector<std::string> errors;
};

class Gateway {
 public:
  Gateway(GatewayDeps deps, GatewayOptions options);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // The server's handler: answers through `respond` once the request's ledger entry is
  // durable (or refused), from the ledger's committer thread; no thread waits for the append.
  void HandleAsync(const Request& request, std::function<void(Response)> respond);
  // The same, waiting for the answer.
  Response Handle(const Request& request);

  // Rebuilds the history index from the ledger's recent request entries (call before serving).
  Status RebuildHistory();
  // Runs the pack's retention rules now: finishes interrupted purges, then purges what the
  // rules select (DeleteFaces at the matcher, one ledger entry per face, record removed).
  PurgeReport Purge(std::string_view by);
  // Lints and swaps in the pack at options.rule_pack_path; a bad pack leaves the old in force.
  // Either way the attempt is a ledger entry.
  Status ReloadRules(std::string_view by);

  Metrics& metrics();
  const HistoryIndex& history() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace oversight::proxy
