// Oversight's own API under /oversight/v1/ (docs/api.md §5): sessions, records, purge, the
// ledger for auditors, the rules for policy analysts, metrics and rule reload for operators.
#include <charconv>

#include "gateway_impl.h"
#include "oversight/common/encoding.h"
#include "oversight/common/time_format.h"
#include "oversight/policy/decision_json.h"
#include "oversight/policy/request.h"
#include "oversight/proxy/request_context.h"

namespace oversight::proxy {
namespace {

constexpr std::string_view kApiPrefix = "/oversight/v1/";
constexpr std::uint64_t kMaxEntriesPerPage = 1000;

struct Route {
  std::string method;
  std::vector<std::string> parts;  // path segments after /oversight/v1/
};

Route ParseRoute(const Request& request) {
  Route r{request.method, {}};
  std::string_view rest = request.path == "/metrics"
                              ? std::string_view("metrics")
                              : std::string_view(request.path).substr(kApiPrefix.size());
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    r.parts.emplace_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return r;
}

}  // namespace

std::optional<std::string_view> QueryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::optional<std::uint64_t> ParseIndex(std::optional<std::string_view> text) {
  if (!text || text->empty()) return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return v;
}

namespace {

Outcome Ok(Json body) {
  Outcome o;
  o.body = std::move(body);
  return o;
}

}  // namespace

Outcome FromStatus(const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound:
      return Fail(ErrorType::kResourceNotFound, s.message());
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
      return Fail(ErrorType::kInvalidParameter, s.message());
    default:
      return Fail(ErrorType::kServiceUnavailable, s.message());
  }
}

namespace {

Json ProofHashes(const std::vector<Hash256>& hashes) {
  Json out = Json::array();
  for (const Hash256& h : hashes) out.push_back(Base64Encode(h));
  return out;
}

Json RecordJson(const Record& r, const std::vector<StatusChange>& history) {
  Json h = Json::array();
  for (const StatusChange& c : history) {
    h.push_back({{"charge_status", c.charge_status},
                 {"at", FormatRfc3339Millis(c.at)},
                 {"by", c.by},
                 {"reason", c.reason}});
  }
  return {{"FaceId", r.face_id},
          {"CollectionId", r.collection},
          {"Subject", r.subject},
          {"BookingNumber", r.booking_number},
          {"ChargeStatus", r.charge_status},
          {"StatusChangedAt", FormatRfc3339Millis(r.status_changed_at)},
          {"CreatedAt", FormatRfc3339Millis(r.created_at)},
          {"History", std::move(h)}};
}

}  // namespace

// Which ApiOp a route is; nullopt for an unknown route.
static std::optional<ApiOp> OpFor(const Route& r) {
  const auto& p = r.parts;
  const std::size_t n = p.size();
  if (n == 1 && p[0] == "whoami" && r.method == "GET") return ApiOp::kWhoAmI;
  if (n == 1 && p[0] == "sessions" && r.method == "POST") return ApiOp::kSessionStart;
  if (n == 2 && p[0] == "records" && r.method == "GET") return ApiOp::kRecordRead;
  if (n == 3 && p[0] == "records" && p[2] == "status" && r.method == "POST")
    return ApiOp::kRecordUpdate;
  if (n == 1 && p[0] == "purge" && r.method == "POST") return ApiOp::kPurgeNow;
  if (n >= 2 && p[0] == "ledger" && r.method == "GET") return ApiOp::kLedgerRead;
  // An auditor may ask for a fresh checkpoint: it only signs what is already there.
  if (n == 2 && p[0] == "ledger" && p[1] == "checkpoint" && r.method == "POST") {
    return ApiOp::kLedgerRead;
  }
  if (n == 1 && p[0] == "report" && r.method == "GET") return ApiOp::kReportRead;
  if (n == 1 && p[0] == "rules" && r.method == "GET") return ApiOp::kRulesRead;
  // The analyst's workbench (console): reading the pack directory and the schema ...
  if (n >= 2 && p[0] == "rules" && r.method == "GET" &&
      ((n == 2 && (p[1] == "packs" || p[1] == "schema")) || (n == 3 && p[1] == "packs"))) {
    return ApiOp::kRulesRead;
  }
  // ... and dry runs of a draft, which change nothing.
  if (n == 2 && p[0] == "rules" && r.method == "POST" &&
      (p[1] == "evaluate" || p[1] == "lint" || p[1] == "try" || p[1] == "scenarios")) {
    return ApiOp::kRulesEvaluate;
  }
  if (n == 2 && p[0] == "rules" && p[1] == "replay" && r.method == "POST")
    return ApiOp::kRulesReplay;
  if (n == 2 && p[0] == "rules" && p[1] == "reload" && r.method == "POST")
    return ApiOp::kRulesReload;
  if (n == 1 && p[0] == "metrics" && r.method == "GET") return ApiOp::kMetrics;
  return std::nullopt;
}

namespace {

class ApiCall {
 public:
  ApiCall(Gateway::Impl& g, const Request& req, const Caller& caller, Json& log)
      : g_(g), req_(req), caller_(caller), log_(log) {}

  Outcome StartSession(const Json& body) {
    Json context = Json::object();
    if (auto it = body.find("context"); it != body.end()) {
      if (!it->is_object()) return Fail(ErrorType::kInvalidParameter, "context must be an object");
      for (const auto& [field, value] : it->items()) {
        if (!value.is_string()) {
          return Fail(ErrorType::kInvalidParameter, "context." + field + " must be given as text");
        }
        auto parsed = ContextValueFromText(field, value.get<std::string>());
        if (!parsed.ok())
          return Fail(ErrorType::kInvalidParameter,
                      "context." + field + ": " + parsed.status().message());
        context[field] = *parsed;
      }
    }
    const auto max = g_.options.session_max_duration.count();
    const auto seconds =
        body.value("duration_seconds", g_.options.session_default_duration.count());
    if (seconds < 60 || seconds > max) {
      return Fail(ErrorType::kInvalidParameter,
                  "duration_seconds must be between 60 and " + std::to_string(max));
    }
    auto issued = g_.sessions.Start(std::make_shared<Principal>(*caller_.principal), context,
                                    std::chrono::seconds(seconds));
    if (!issued.ok()) return FromStatus(issued.status());
    log_["session"] = {{"id", issued->access_key_id},
                       {"context", context},
                       {"expires_at", FormatRfc3339Millis(issued->expires_at)}};
    log_["decision"] = {{"allow", true}, {"stage", "role"}};
    // The secret and token go only to the caller; the ledger holds the id, context and expiry.
    return Ok({{"Credentials",
                {{"AccessKeyId", issued->access_key_id},
                 {"SecretAccessKey", issued->secret_access_key},
                 {"SessionToken", issued->session_token},
                 {"Expiration", FormatRfc3339Millis(issued->expires_at)}}},
               {"Context", context}});
  }

  Outcome ReadRecord(const std::string& face_id) {
    log_["record"] = {{"face_id", face_id}};
    auto r = g_.deps.records->Get(face_id);
    if (!r.ok()) return FromStatus(r.status());
    auto history = g_.deps.records->History(face_id);
    if (!history.ok()) return FromStatus(history.status());
    log_["decision"] = {{"allow", true}, {"stage", "role"}};
    return Ok(RecordJson(*r, *history));
  }

  Outcome UpdateRecord(const std::string& face_id, const Json& body) {
    const std::string status = body.value("charge_status", "");
    const std::string reason = body.value("reason", "");
    log_["record"] = {{"face_id", face_id}, {"charge_status", status}};
    Status valid = ValidateRecordFields("", "", status);
    if (!valid.ok()) return FromStatus(valid);
    if (auto denied = Decide("update_record_status")) return std::move(*denied);
    auto updated = g_.deps.records->UpdateStatus(face_id, status, caller_.principal->id, reason);
    if (!updated.ok()) return FromStatus(updated.status());
    auto history = g_.deps.records->History(face_id);
    return Ok(RecordJson(*updated, history.ok() ? *history : std::vector<StatusChange>{}));
  }

  Outcome RunPurge() {
    PurgeReport report = PurgeWith(caller_.principal->id);
    log_["decision"] = {{"allow", true}, {"stage", "role"}};
    log_["purge"] = {
        {"purged", report.purged}, {"resumed", report.resumed}, {"failed", report.failed}};
    return Ok({{"Purged", report.purged},
               {"Resumed", report.resumed},
               {"Failed", report.failed},
               {"Errors", report.errors}});
  }

  Outcome Ledger(const Route& route) {
    log_["decision"] = {{"allow", true}, {"stage", "role"}};
    ledger::Ledger* l = g_.deps.ledger;
    if (l == nullptr) return Fail(ErrorType::kServiceUnavailable, "no ledger is attached");
    const std::string& what = route.parts[1];
    log_["ledger_read"] = what;
    if (what == "checkpoint" && req_.method == "POST") {
      auto c = l->Checkpoint();
      if (!c.ok()) return FromStatus(c.status());
      return Ok({{"Size", c->size}, {"Note", c->note}, {"VerifierKey", l->verifier_key()}});
    }
    if (what == "checkpoint") {
      auto c = l->LatestCheckpoint();
      if (!c) return Fail(ErrorType::kResourceNotFound, "the ledger has no checkpoint yet");
      return Ok({{"Size", c->size}, {"Note", c->note}, {"VerifierKey", l->verifier_key()}});
    }
    if (what == "entries") return Entries(*l);
    if (what == "rows") return LedgerRows(g_, req_, log_);
    if (what == "inclusion") {
      auto index = ParseIndex(QueryParam(req_.query, "index"));
      auto size = ParseIndex(QueryParam(req_.query, "size"));
      if (!index || !size) return Fail(ErrorType::kInvalidParameter, "give index and size");
      auto p = l->ProveInclusion(*index, *size);
      if (!p.ok()) return FromStatus(p.status());
      return Ok({{"Index", p->index},
                 {"Size", p->size},
                 {"LeafHash", Base64Encode(p->leaf_hash)},
                 {"Root", Base64Encode(p->root)},
                 {"Hashes", ProofHashes(p->hashes)}});
    }
    if (what == "consistency") {
      auto from = ParseIndex(QueryParam(req_.query, "from"));
      auto to = ParseIndex(QueryParam(req_.query, "to"));
      if (!from || !to) return Fail(ErrorType::kInvalidParameter, "give from and to");
      auto p = l->ProveConsistency(*from, *to);
      if (!p.ok()) return FromStatus(p.status());
      return Ok({{"From", p->size1},
                 {"To", p->size2},
                 {"Root1", Base64Encode(p->root1)},
                 {"Root2", Base64Encode(p->root2)},
                 {"Hashes", ProofHashes(p->hashes)}});
    }
    return Fail(ErrorType::kResourceNotFound, "unknown ledger resource " + what);
  }

  Outcome Entries(const ledger::Ledger& l) {
    const std::uint64_t size = l.size();
    const std::uint64_t from = ParseIndex(QueryParam(req_.query, "from")).value_or(0);
    std::uint64_t to = ParseIndex(QueryParam(req_.query, "to")).value_or(size);
    to = std::min({to, size, from + kMaxEntriesPerPage});
    if (from > to) return Fail(ErrorType::kInvalidParameter, "from is past to or the ledger's end");
    Json entries = Json::array();
    Status s = l.ReadEntries(from, to, [&](std::uint64_t, std::string_view bytes) {
      entries.push_back(std::string(bytes));  // the exact canonical bytes, to hash as they are
      return Status::Ok();
    });
    if (!s.ok()) return FromStatus(s);
    return Ok({{"From", from}, {"To", to}, {"Size", size}, {"Entries", std::move(entries)}});
  }

  Outcome Rules() {
    log_["decision"] = {{"allow", true}, {"stage", "role"}};
    auto pack = g_.deps.policy->Current();
    const auto& m = pack->metadata();
    Json rules = Json::array();
    for (const auto& r : pack->rules()) {
      rules.push_back({{"id", r.id},
                       {"effect", std::string(policy::EffectName(r.effect))},
                       {"message", r.message},
                       {"citation", r.citation}});
    }
    return Ok({{"Name", m.name},
               {"Jurisdiction", m.jurisdiction},
               {"Version", m.version},
               {"Sha256", pack->sha256_hex()},
               {"Source", m.source_path},
               {"Rules", rules}});
  }

  Outcome Evaluate(const Json& body) {
    log_["decision"] = {{"allow", true}, {"stage", "role"}};
    log_["dry_run"] = body;
    auto parsed = policy::ParseJsonc(Dump(body), "request");
    StatusOr<policy::RequestDoc> doc =
        parsed.ok() ? policy::RequestFromJson(*parsed, "request") : parsed.status();
    if (!doc.ok()) return FromStatus(doc.status());
    auto pack = g_.deps.policy->Current();
    const policy::Decision d =
        pack->Evaluate(*doc, {g_.deps.warrants, &g_.history, g_.deps.clock->Now()});
    return Ok({{"Decision", Json::parse(policy::DecisionToJson(d))}, {"DryRun", true}});
  }

  Outcome Reload() {
    Status s = ReloadWith(caller_.principal->id);
    log_["decision"] = {{"allow", true}, {"stage", "role"}};
    if (!s.ok())
      return Fail(ErrorType::kInvalidParameter,
                  "the new rule pack was refused and the old one stays in force: " + s.message());
    auto pack = g_.deps.policy->Current();
    return Ok({{"Name", pack->metadata().name}, {"Sha256", pack->sha256_hex()}});
  }

  Outcome MetricsText() {
    log_["decision"] = {{"allow", true}, {"stage", "role"}};
    Outcome o;
    o.raw_body = g_.metrics.Render();
    o.content_type = "text/plain; version=0.0.4";
    return o;
  }

  std::function<PurgeReport(std::string_view)> PurgeWith;
  std::function<Status(std::string_view)> ReloadWith;

 private:
  // Records maintenance goes through the rule pack like any other action.
  std::optional<Outcome> Decide(std::string_view action) {
    return g_.DecideByPack(*caller_.principal, action, Json::object(), Json::object(), log_,
                           nullptr);
  }

  Gateway::Impl& g_;
  const Request& req_;
  const Caller& caller_;
  Json& log_;
};

}  // namespace

Outcome Gateway::Impl::Api(const Request& request, Json& log) {
  const Route route = ParseRoute(request);
  const auto op = OpFor(route);
  log["operation"] = op ? std::string(ApiOpName(*op)) : "unknown";
  AwsError error;
  // A browser signed in to the console sends its cookie instead of a signature.
  std::string_view authorization;
  const bool by_cookie =
      !SingleHeader(request.headers, "authorization", &authorization) && ConsoleCookie(request);
  auto caller = by_cookie ? AuthenticateConsole(request, log, &error)
                          : Authenticate(request, options.api_sigv4, log, &error);
  if (!caller) return Fail(error.type, error.message);
  if (!op) {
    log["decision"] = {{"allow", false}, {"stage", "protocol"}};
    return Fail(ErrorType::kResourceNotFound,
                "no such API: " + request.method + " " + request.path);
  }
  if (auto refused = Admit(*caller, *op, log)) return Fail(refused->type, refused->message);
  // Admitted by role; calls the rule pack governs replace this with the pack's decision.
  log["decision"] = {{"allow", true}, {"stage", "role"}};
  std::optional<Json> body = ParseObject(request.body.empty() ? "{}" : request.body);
  if (!body) {
    log["decision"] = {{"allow", false}, {"stage", "protocol"}};
    return Fail(ErrorType::kSerialization, "the request body is not a JSON object");
  }

  ApiCall call(*this, request, *caller, log);
  call.PurgeWith = [this](std::string_view by) { return PurgeNow(by); };
  call.ReloadWith = [this](std::string_view by) { return Reload(by); };
  switch (*op) {
    case ApiOp::kWhoAmI: {
      const auto expires =
          caller->session ? std::optional(caller->session->expires_at) : caller->console_expires_at;
      return Ok(WhoAmIJson(*caller->principal, caller->via, expires));
    }
    case ApiOp::kSessionStart:
      return call.StartSession(*body);
    case ApiOp::kRecordRead:
      return call.ReadRecord(route.parts[1]);
    case ApiOp::kRecordUpdate:
      return call.UpdateRecord(route.parts[1], *body);
    case ApiOp::kPurgeNow:
      return call.RunPurge();
    case ApiOp::kLedgerRead:
      return call.Ledger(route);
    case ApiOp::kReportRead:
      return AuditReport(*this, request, log);
    case ApiOp::kRulesRead:
      if (route.parts.size() == 1) return call.Rules();
      return RulesWorkbench(*this, route.parts, *body, log);
    case ApiOp::kRulesEvaluate:
      if (route.parts[1] == "evaluate") return call.Evaluate(*body);
      return RulesWorkbench(*this, route.parts, *body, log);
    case ApiOp::kRulesReplay:
      return RulesWorkbench(*this, route.parts, *body, log);
    case ApiOp::kRulesReload:
      return call.Reload();
    case ApiOp::kMetrics:
      return call.MetricsText();
    default:
      break;
  }
  return Fail(ErrorType::kResourceNotFound, "no such API");
}

}  // namespace oversight::proxy
