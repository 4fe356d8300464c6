// The web console's side of the gateway (docs/console.md): its files, sign-in and sign-out,
// the cookie that then stands in for a Signature V4 on /oversight/v1 calls, and whoami.
#include "console_assets.h"
#include "gateway_impl.h"
#include "oversight/common/time_format.h"

namespace oversight::proxy {
namespace {

constexpr std::string_view kConsolePrefix = "/console/";
constexpr std::string_view kConsoleMarker = "x-oversight-console";

// The page may run scripts and styles from its own origin only, talk only to its origin,
// and be framed by no one.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

}  // namespace

void AddBrowserHeaders(HeaderList& headers) {
  headers.push_back({"Content-Security-Policy", std::string(kContentSecurityPolicy)});
  headers.push_back({"X-Content-Type-Options", "nosniff"});
  headers.push_back({"X-Frame-Options", "DENY"});
  headers.push_back({"Referrer-Policy", "no-referrer"});
  headers.push_back({"Cross-Origin-Opener-Policy", "same-origin"});
  headers.push_back({"Cache-Control", "no-store"});
}

namespace {

std::string CookieHeader(std::string_view value, std::chrono::seconds max_age) {
  return std::string(kConsoleCookieName) + "=" + std::string(value) +
         "; Path=/; Max-Age=" + std::to_string(max_age.count()) +
         "; Secure; HttpOnly; SameSite=Strict";
}

Response PlainResponse(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
  r.body = std::move(body);
  AddBrowserHeaders(r.headers);
  return r;
}

bool HasConsoleMarker(const Request& request) {
  std::string_view marker;
  return SingleHeader(request.headers, kConsoleMarker, &marker) && marker == "1";
}

Json PrincipalJson(const Principal& p, std::string_view via) {
  return {{"id", p.id}, {"agency", p.agency}, {"roles", RolesJson(p)}, {"via", std::string(via)}};
}

}  // namespace

bool IsConsolePath(std::string_view path) {
  return path == "/console" || path.rfind(kConsolePrefix, 0) == 0;
}

std::optional<std::string_view> ConsoleCookie(const Request& request) {
  for (std::string_view header : HeaderValues(request.headers, "cookie")) {
    if (auto v = CookieValue(header, kConsoleCookieName)) return v;
  }
  return std::nullopt;
}

// Files are public (they hold no data) and not logged, like /healthz.
Response Gateway::Impl::ConsoleFile(const Request& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    Response r = PlainResponse(405, "the console's files are read with GET\n");
    r.headers.push_back({"Allow", "GET, HEAD"});
    return r;
  }
  if (request.path == "/console") {
    Response r = PlainResponse(308, "");
    r.headers.push_back({"Location", "/console/"});
    return r;
  }
  auto asset = FindConsoleAsset(std::string_view(request.path).substr(kConsolePrefix.size()));
  if (!asset) return PlainResponse(404, "no such console page\n");
  Response r;
  r.headers.push_back({"Content-Type", std::string(asset->content_type)});
  AddBrowserHeaders(r.headers);
  if (request.method == "GET") r.body = std::string(asset->bytes);
  return r;
}

// POST starts a session from a sign-in link's token or the TLS client certificate; DELETE
// ends the caller's session. Both are ledger entries (Finish appends them).
Outcome Gateway::Impl::ConsoleSession(const Request& request, Json& log) {
  log["operation"] = request.method == "DELETE" ? "console.sign_out" : "console.sign_in";
  log["decision"] = {{"allow", false}, {"stage", "authentication"}};
  if (!HasConsoleMarker(request)) {
    return Fail(ErrorType::kAccessDenied,
                "console sign-in requests carry the header X-Oversight-Console: 1");
  }
  if (request.method == "DELETE") {
    auto cookie = ConsoleCookie(request);
    auto binding = cookie ? console.Find(*cookie) : std::nullopt;
    if (binding) log["principal"] = {{"id", binding->principal}, {"via", binding->via}};
    if (cookie) console.End(*cookie);
    log["decision"] = {{"allow", true}, {"stage", "authentication"}};
    Outcome o;
    o.body = {{"SignedOut", binding.has_value()}};
    o.headers.push_back({"Set-Cookie", CookieHeader("", std::chrono::seconds(0))});
    return o;
  }
  if (request.method != "POST") {
    return Fail(ErrorType::kSerialization, "sign in with POST, sign out with DELETE");
  }
  auto body = ParseObject(request.body.empty() ? "{}" : request.body);
  if (!body) return Fail(ErrorType::kSerialization, "the request body is not a JSON object");
  std::string principal_id, via;
  if (auto t = body->find("token"); t != body->end() && t->is_string()) {
    auto redeemed = console.RedeemToken(t->get<std::string>());
    if (!redeemed.ok()) return Fail(ErrorType::kUnrecognizedClient, redeemed.status().message());
    principal_id = *redeemed;
    via = "link";
  } else if (body->value("certificate", false)) {
    if (request.client_cert_cn.empty()) {
      return Fail(ErrorType::kUnrecognizedClient,
                  "no client certificate with one common name was presented (the proxy asks "
                  "for one only when tls.client_ca is set)");
    }
    principal_id = request.client_cert_cn;
    via = "certificate";
  } else {
    return Fail(ErrorType::kInvalidParameter, "give {\"token\": ...} or {\"certificate\": true}");
  }
  const Principal* principal = deps.principals->FindById(principal_id);
  log["principal"] = {{"id", principal_id}, {"via", via}};
  if (principal == nullptr) {
    return Fail(ErrorType::kUnrecognizedClient, "no principal " + principal_id + " is configured");
  }
  auto started = console.Start(principal->id, via);
  if (!started.ok()) return Fail(ErrorType::kServiceUnavailable, started.status().message());
  log["principal"] = PrincipalJson(*principal, via);
  log["console_session_expires_at"] = FormatRfc3339Millis(started->expires_at);
  log["decision"] = {{"allow", true}, {"stage", "authentication"}};
  Outcome o;
  o.body = WhoAmIJson(*principal, via, started->expires_at);
  o.headers.push_back(
      {"Set-Cookie", CookieHeader(started->cookie, options.console_session_duration)});
  // Unrecorded, the session must not exist (fail closed), even though no one has the cookie.
  o.undo = [this, cookie = started->cookie] { console.End(cookie); };
  return o;
}

std::optional<Caller> Gateway::Impl::AuthenticateConsole(const Request& request, Json& log,
                                                         AwsError* error) {
  log["decision"] = {{"allow", false}, {"stage", "authentication"}};
  if (!HasConsoleMarker(request)) {
    // Without the marker this may be another site's form or link riding on the cookie.
    *error = {ErrorType::kAccessDenied,
              "a request signed in by the console's cookie must carry X-Oversight-Console: 1"};
    return std::nullopt;
  }
  auto binding = console.Find(ConsoleCookie(request).value_or(""));
  if (!binding) {
    *error = {ErrorType::kUnrecognizedClient,
              "the console session is unknown or has ended; sign in again"};
    return std::nullopt;
  }
  Caller caller;
  caller.principal = deps.principals->FindById(binding->principal);
  if (caller.principal == nullptr) {
    *error = {ErrorType::kUnrecognizedClient,
              "principal " + binding->principal + " is no longer configured; sign in again"};
    return std::nullopt;
  }
  caller.via = "console";
  caller.console_expires_at = binding->expires_at;
  log["principal"] = PrincipalJson(*caller.principal, "console");
  log["decision"] = {{"allow", true}, {"stage", "authentication"}};
  return caller;
}

Json WhoAmIJson(const Principal& p, std::string_view via, std::optional<TimePoint> expires) {
  Json j = {{"Principal", p.id},
            {"Agency", p.agency},
            {"Roles", RolesJson(p)},
            {"Via", std::string(via)}};
  if (expires) j["Expires"] = FormatRfc3339Millis(*expires);
  return j;
}

}  // namespace oversight::proxy
