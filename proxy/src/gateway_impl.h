// Gateway internals shared by gateway.cc (dispatch, authentication, the ledger append),
// gateway_rekognition.cc (the Rekognition request path), gateway_api.cc (/oversight/v1),
// gateway_admin.cc (purge, rule reload, history rebuild), gateway_audit.cc (the auditor's
// ledger rows and report) and gateway_workbench.cc (the policy analyst's draft tools).
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>

#include "oversight/proxy/access.h"
#include "oversight/proxy/aws_error.h"
#include "oversight/proxy/console_auth.h"
#include "oversight/proxy/gateway.h"
#include "oversight/proxy/obligations.h"
#include "oversight/report/source.h"

namespace oversight::proxy {

using Json = nlohmann::json;

// Serialises JSON that may hold caller-supplied text: invalid UTF-8 is replaced, never thrown.
std::string Dump(const Json& j);
// Parses a JSON object from untrusted text (nesting depth bounded); nullopt if it is not one.
std::optional<Json> ParseObject(std::string_view text);

struct Caller {
  const Principal* principal = nullptr;
  std::shared_ptr<const Principal> session_principal;  // keeps a session's principal alive
  std::string access_key_id;
  std::optional<SessionBinding> session;
  std::string via = "sigv4";  // "sigv4", "session" (case session) or "console" (cookie)
  std::optional<TimePoint> console_expires_at;
};

// What a handler decided; Gateway::Impl::Finish appends it to the ledger, then answers.
struct Outcome {
  std::optional<AwsError> error;  // refusals and faults the proxy itself reports
  int status = 200;
  Json body = Json::object();  // success body (JSON object)
  std::string raw_body;        // non-JSON success body (metrics text), or a passed-through error
  std::string content_type;    // with raw_body
  HeaderList headers;          // extra response headers (the console's Set-Cookie)
  WireObligations obligations;
  // Runs after a successful append (e.g. the history index learns of a search).
  std::function<void(const ledger::Receipt&)> after_append;
  // Runs if the append fails, to undo what the matcher already did (fail closed).
  std::function<void()> undo;
};

Outcome Fail(ErrorType type, std::string message);
// ["investigator", ...]: a principal's roles as the ledger and whoami write them.
Json RolesJson(const Principal& p);
// NotFound -> ResourceNotFound, InvalidArgument/FailedPrecondition -> InvalidParameter, any
// other failure -> ServiceUnavailable.
Outcome FromStatus(const Status& s);

// The raw value of `name` in a query string of a=b pairs; nullopt if absent.
std::optional<std::string_view> QueryParam(std::string_view query, std::string_view name);
// A decimal index; nullopt if absent, empty or not a number.
std::optional<std::uint64_t> ParseIndex(std::optional<std::string_view> text);

// The ledger directory's verification, remembered for the checkpoint size it was made at, so
// repeated reports and replays verify the ledger once per new checkpoint, not once per call.
struct VerifiedLedgerCache {
  std::mutex mu;  // held while verifying: concurrent callers wait for one verification
  std::optional<std::uint64_t> checkpoint_size;
  report::Provenance provenance;
};

// The console (gateway_console.cc).
bool IsConsolePath(std::string_view path);
std::optional<std::string_view> ConsoleCookie(const Request& request);
Json WhoAmIJson(const Principal& p, std::string_view via, std::optional<TimePoint> expires);
// What every answer to the console carries: its CSP, nosniff, no framing, no caching.
void AddBrowserHeaders(HeaderList& headers);

struct Gateway::Impl {
  Impl(GatewayDeps d, GatewayOptions o);

  GatewayDeps deps;
  GatewayOptions options;
  SessionStore sessions;
  CallerCredentials credentials;
  RateLimiter limiter;
  ConsoleSessions console;
  HistoryIndex history;
  Metrics metrics;
  std::mutex purge_mu;  // one purge at a time
  VerifiedLedgerCache verified_ledger;
  std::mutex replay_mu;  // one replay at a time (it reads the whole ledger)

  void HandleAsync(const Request& request, std::function<void(Response)> respond);
  std::optional<Caller> Authenticate(const Request& request, const SigV4Config& config, Json& log,
                                     AwsError* error);
  // Rate limit and role check for an authenticated caller.
  std::optional<AwsError> Admit(const Caller& caller, ApiOp op, Json& log);
  // Appends the request's entry, then answers through `done` (from the committer thread).
  void Finish(const std::string& request_id, Json& log, Outcome outcome,
              std::function<void(Response)> done);
  Response Answer(const std::string& request_id, const std::string& invocation, Outcome outcome,
                  const StatusOr<ledger::Receipt>& receipt);
  StatusOr<ledger::Receipt> AppendEntry(std::string_view kind, const Json& payload);
  void CountAppend(const StatusOr<ledger::Receipt>& receipt);

  Outcome Rekognition(const Request& request, Json& log);
  // Builds the policy document and lets the pack in force decide. Returns the refusal (with
  // the decision logged), or nullopt when allowed, with the obligations to apply.
  std::optional<Outcome> DecideByPack(const Principal& principal, std::string_view action,
                                      const Json& context, const Json& request, Json& log,
                                      WireObligations* obligations);
  PurgeReport PurgeNow(std::string_view by);
  Status Reload(std::string_view by);
  Status RebuildHistory();
  // One face: delete at the matcher, append its purge entry, remove the record.
  bool PurgeOne(const Record& record, const policy::RetentionRule* rule, std::string_view by,
                bool resumed, PurgeReport& report);
  Outcome Api(const Request& request, Json& log);

  Response ConsoleFile(const Request& request);
  Outcome ConsoleSession(const Request& request, Json& log);
  std::optional<Caller> AuthenticateConsole(const Request& request, Json& log, AwsError* error);

  // Invocation ids seen recently (amz-sdk-invocation-id -> first ledger seq), so SDK retries
  // of one call are marked as such in the ledger. Bounded.
  std::optional<std::uint64_t> FirstSeqOf(const std::string& invocation_id);
  void RememberInvocation(const std::string& invocation_id, std::uint64_t seq);
  std::mutex invocations_mu;
  std::unordered_map<std::string, std::uint64_t> invocations;
  std::deque<std::string> invocation_order;
};

// The auditor's calls (gateway_audit.cc). `log` is the request's ledger entry.
Outcome LedgerRows(Gateway::Impl& g, const Request& request, Json& log);
Outcome AuditReport(Gateway::Impl& g, const Request& request, Json& log);
// The ledger directory's provenance, verified at most once per checkpoint size.
StatusOr<report::Provenance> VerifiedLedger(Gateway::Impl& g);

// The policy analyst's calls on /oversight/v1/rules/<parts[1]>... (gateway_workbench.cc):
// packs, packs/FILE, schema, lint, try, scenarios, replay. None changes the pack in force.
Outcome RulesWorkbench(Gateway::Impl& g, const std::vector<std::string>& parts, const Json& body,
                       Json& log);

}  // namespace oversight::proxy
