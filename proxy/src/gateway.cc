#include <chrono>
#include <future>

#include "gateway_impl.h"
#include "json_parse.h"
#include "oversight/common/canonical_json.h"
#include "oversight/common/encoding.h"
#include "oversight/common/time_format.h"
#include "oversight/proxy/aws_json.h"

namespace oversight::proxy {
namespace {

constexpr std::size_t kMaxRememberedInvocations = 10'000;

class LedgerAuditLog final : public AuditLog {
 public:
  explicit LedgerAuditLog(ledger::Ledger& ledger) : ledger_(ledger) {}
  StatusOr<ledger::Receipt> Append(std::string_view kind, std::string_view payload) override {
    return ledger_.Append(kind, payload);
  }
  void AppendAsync(std::string_view kind, std::string_view payload,
                   ledger::Ledger::AppendCallback done) override {
    ledger_.AppendAsync(kind, payload, std::move(done));
  }

 private:
  ledger::Ledger& ledger_;
};

std::string HeaderOrEmpty(const Request& request, std::string_view name) {
  std::string_view v;
  return SingleHeader(request.headers, name, &v) ? std::string(v) : std::string();
}

Json ReceiptJson(const ledger::Receipt& r, const WireObligations& ob) {
  Json j = {{"LedgerSeq", r.seq},
            {"LeafHash", HexEncode(r.leaf_hash)},
            {"Time", r.time},
            {"HumanReviewRequired", ob.human_review_required}};
  j["Notices"] = ob.notices;
  return j;
}

}  // namespace

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::optional<Json> ParseObject(std::string_view text) { return ParseJsonObject(text); }

Json RolesJson(const Principal& p) {
  Json roles = Json::array();
  for (Role r : p.roles) roles.push_back(std::string(RoleName(r)));
  return roles;
}

Outcome Fail(ErrorType type, std::string message) {
  Outcome o;
  o.error = AwsError{type, std::move(message)};
  return o;
}

std::unique_ptr<AuditLog> MakeLedgerAuditLog(ledger::Ledger& ledger) {
  return std::make_unique<LedgerAuditLog>(ledger);
}

Gateway::Impl::Impl(GatewayDeps d, GatewayOptions o)
    : deps(std::move(d)),
      options(std::move(o)),
      sessions(*deps.clock),
      credentials(*deps.principals, sessions),
      limiter(options.rate_limit, *deps.clock),
      console(
          *deps.clock,
          deps.console_key ? std::optional<SecretBytes>(deps.console_key->Clone()) : std::nullopt,
          options.console_session_duration) {}

Gateway::Gateway(GatewayDeps deps, GatewayOptions options)
    : impl_(std::make_unique<Impl>(std::move(deps), std::move(options))) {}
Gateway::~Gateway() = default;

void Gateway::HandleAsync(const Request& request, std::function<void(Response)> respond) {
  impl_->HandleAsync(request, std::move(respond));
}

Response Gateway::Handle(const Request& request) {
  std::promise<Response> answer;
  std::future<Response> answered = answer.get_future();
  impl_->HandleAsync(request, [&answer](Response r) { answer.set_value(std::move(r)); });
  return answered.get();
}

Metrics& Gateway::metrics() { return impl_->metrics; }
const HistoryIndex& Gateway::history() const { return impl_->history; }

void Gateway::Impl::HandleAsync(const Request& request, std::function<void(Response)> respond) {
  const auto started = std::chrono::steady_clock::now();
  if (request.path == "/healthz") {
    // Unauthenticated and not logged: it says only whether the proxy can answer at all.
    Response r;
    r.status = 200;
    r.headers.push_back({"Content-Type", "application/json"});
    r.body = "{\"status\":\"ok\"}";
    return respond(std::move(r));
  }
  const bool console_session = request.path == "/console/session";
  if (IsConsolePath(request.path) && !console_session) return respond(ConsoleFile(request));
  Json log = {{"request_id", request.request_id}, {"remote", request.remote_address}};
  const std::string invocation = HeaderOrEmpty(request, "amz-sdk-invocation-id");
  if (!invocation.empty()) log["invocation_id"] = invocation.substr(0, 128);
  const std::string attempt = HeaderOrEmpty(request, "amz-sdk-request");
  if (!attempt.empty()) log["sdk_request"] = attempt.substr(0, 128);
  if (!request.client_cert_subject.empty()) log["client_cert"] = request.client_cert_subject;

  const bool api = request.path.rfind("/oversight/v1/", 0) == 0 || request.path == "/metrics";
  Outcome outcome = console_session ? ConsoleSession(request, log)
                    : api           ? Api(request, log)
                                    : Rekognition(request, log);
  const bool browser = console_session || (api && ConsoleCookie(request));
  Finish(request.request_id, log, std::move(outcome),
         [this, started, browser, operation = log.value("operation", "unknown"),
          respond = std::move(respond)](Response response) {
           if (browser) AddBrowserHeaders(response.headers);
           const double seconds =
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
           metrics.ObserveLatency(operation, seconds);
           metrics.Add("oversight_responses_total", "status", std::to_string(response.status));
           respond(std::move(response));
         });
}

std::optional<Caller> Gateway::Impl::Authenticate(const Request& request, const SigV4Config& config,
                                                  Json& log, AwsError* error) {
  auto verified = VerifySigV4(request, config, credentials, *deps.clock, error);
  if (!verified) {
    AwsError ignored;
    std::string_view auth;
    if (SingleHeader(request.headers, "authorization", &auth)) {
      if (auto parsed = ParseAuthorization(auth, &ignored)) {
        log["principal"] = {{"access_key_id", parsed->access_key_id}};
      }
    }
    log["decision"] = {{"allow", false}, {"stage", "authentication"}};
    return std::nullopt;
  }
  Caller caller;
  caller.access_key_id = verified->access_key_id;
  if (!verified->session_token.empty()) {
    auto binding = sessions.Binding(verified->access_key_id);
    if (!binding.ok()) {
      *error = {ErrorType::kExpiredToken, "the session has ended"};
      return std::nullopt;
    }
    caller.session_principal = binding->principal;
    caller.principal = caller.session_principal.get();
    caller.session = std::move(binding).value();
    caller.via = "session";
  } else {
    caller.principal = deps.principals->FindByAccessKey(verified->access_key_id);
  }
  if (caller.principal == nullptr) {
    *error = {ErrorType::kUnrecognizedClient, "unknown access key"};
    return std::nullopt;
  }
  log["principal"] = {{"id", caller.principal->id},
                      {"agency", caller.principal->agency},
                      {"roles", RolesJson(*caller.principal)},
                      {"access_key_id", caller.access_key_id}};
  if (caller.session) log["principal"]["session"] = caller.session->session_id;
  return caller;
}

std::optional<AwsError> Gateway::Impl::Admit(const Caller& caller, ApiOp op, Json& log) {
  if (!limiter.Allow(caller.principal->id)) {
    log["decision"] = {{"allow", false}, {"stage", "rate_limit"}};
    return AwsError{ErrorType::kThrottling, "Rate exceeded for principal " + caller.principal->id};
  }
  if (!PrincipalAllows(*caller.principal, op)) {
    log["decision"] = {{"allow", false}, {"stage", "role"}};
    std::string roles;
    for (Role r : caller.principal->roles)
      roles += (roles.empty() ? "" : ", ") + std::string(RoleName(r));
    return AwsError{ErrorType::kAccessDenied, "principal " + caller.principal->id +
                                                  " (roles: " + roles + ") may not call " +
                                                  std::string(ApiOpName(op))};
  }
  return std::nullopt;
}

StatusOr<ledger::Receipt> Gateway::Impl::AppendEntry(std::string_view kind, const Json& payload) {
  auto receipt = deps.audit->Append(kind, Dump(payload));
  CountAppend(receipt);
  return receipt;
}

void Gateway::Impl::CountAppend(const StatusOr<ledger::Receipt>& receipt) {
  if (!receipt.ok()) {
    metrics.Add("oversight_ledger_append_failures_total", "", "");
  } else {
    metrics.SetGauge("oversight_ledger_entries", static_cast<double>(receipt->seq + 1));
  }
}

std::optional<std::uint64_t> Gateway::Impl::FirstSeqOf(const std::string& invocation_id) {
  std::lock_guard lock(invocations_mu);
  auto it = invocations.find(invocation_id);
  if (it == invocations.end()) return std::nullopt;
  return it->second;
}

void Gateway::Impl::RememberInvocation(const std::string& invocation_id, std::uint64_t seq) {
  std::lock_guard lock(invocations_mu);
  if (!invocations.emplace(invocation_id, seq).second) return;
  invocation_order.push_back(invocation_id);
  if (invocation_order.size() > kMaxRememberedInvocations) {
    invocations.erase(invocation_order.front());
    invocation_order.pop_front();
  }
}

void Gateway::Impl::Finish(const std::string& request_id, Json& log, Outcome outcome,
                           std::function<void(Response)> done) {
  // Every entry says how the request was decided; a path that forgot to is a refusal.
  if (!log.contains("decision")) log["decision"] = {{"allow", false}, {"stage", "protocol"}};
  Json& result = log["outcome"];
  result["http_status"] = outcome.error ? HttpStatusFor(outcome.error->type) : outcome.status;
  if (outcome.error) {
    result["error"] = {{"type", std::string(ErrorTypeName(outcome.error->type))},
                       {"message", outcome.error->message}};
  }
  std::string invocation = log.value("invocation_id", "");
  if (!invocation.empty()) {
    if (auto first = FirstSeqOf(invocation)) log["retry_of"] = *first;
  }
  metrics.Add("oversight_requests_total", "decision",
              log.contains("decision") && log["decision"].value("allow", false) ? "allow" : "deny");
  // The answer is built where the append completes (the ledger's committer thread), so it must
  // stay small work; no thread waits for the commit meanwhile.
  deps.audit->AppendAsync(
      kRequestEntryKind, Dump(log),
      [this, request_id, invocation = std::move(invocation), outcome = std::move(outcome),
       done = std::move(done)](StatusOr<ledger::Receipt> receipt) mutable {
        CountAppend(receipt);
        Response response;
        try {
          response = Answer(request_id, invocation, std::move(outcome), receipt);
        } catch (...) {
          response =
              MakeErrorResponse({ErrorType::kInternalServerError, "internal error"}, request_id);
        }
        done(std::move(response));
      });
}

Response Gateway::Impl::Answer(const std::string& request_id, const std::string& invocation,
                               Outcome outcome, const StatusOr<ledger::Receipt>& receipt) {
  if (!receipt.ok()) {
    // Fail closed: whatever the matcher answered is dropped, and undone where it changed state.
    if (outcome.undo) outcome.undo();
    return MakeErrorResponse({ErrorType::kServiceUnavailable,
                              "the request could not be recorded in the ledger, so it is not "
                              "answered (fail closed); try again later"},
                             request_id);
  }
  if (!invocation.empty()) RememberInvocation(invocation, receipt->seq);
  if (outcome.after_append) outcome.after_append(*receipt);

  Response response;
  if (outcome.error) {
    outcome.error->message += " [ledger entry " + std::to_string(receipt->seq) + "]";
    response = MakeErrorResponse(*outcome.error, request_id);
  } else if (!outcome.content_type.empty()) {
    response.status = outcome.status;
    response.headers.push_back({"Content-Type", outcome.content_type});
    response.headers.push_back({"x-amzn-RequestId", request_id});
    response.body = std::move(outcome.raw_body);
  } else {
    outcome.body["OversightReceipt"] = ReceiptJson(*receipt, outcome.obligations);
    response = MakeJsonResponse(Dump(outcome.body), request_id);
  }
  for (auto& header : outcome.headers) response.headers.push_back(std::move(header));
  response.headers.push_back(
      {"X-Oversight-Receipt",
       "seq=" + std::to_string(receipt->seq) + "; leaf=" + HexEncode(receipt->leaf_hash)});
  if (outcome.obligations.human_review_required) {
    response.headers.push_back({"X-Oversight-Human-Review", "required"});
  }
  return response;
}

}  // namespace oversight::proxy
