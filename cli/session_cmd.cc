// `oversight session start`: ask the proxy for a case session (POST /oversight/v1/sessions)
// and print its temporary credentials for `eval` in a shell.
//
// There is no `session end`: the proxy has no endpoint to end a session early; sessions expire.
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
#include "oversight/common/time_format.h"
#include "oversight/proxy/aws_credentials.h"
#include "oversight/proxy/config.h"
#include "oversight/proxy/https_client.h"
#include "oversight/proxy/request_context.h"

namespace oversight::cli {
namespace {

using nlohmann::json;
using proxy::HttpsTarget;

constexpr char kDefaultEndpoint[] = "https://localhost:8443";
constexpr char kSessionsPath[] = "/oversight/v1/sessions";

struct StartArgs {
  // Context fields.
  std::string warrant, case_id, purpose, source, capture_time, camera, location;
  std::string mode = "retrospective";
  std::vector<std::string> sets;  // field=value
  // The call.
  std::string duration;
  std::string endpoint, config, ca_bundle, client_cert, client_key, profile;
  bool json_out = false;
};

// "3600", "90s", "45m", "1h", "1h30m", "1d" -> seconds.
StatusOr<std::int64_t> ParseDuration(std::string_view text) {
  const Status bad = Status::InvalidArgument("--duration " + std::string(text) +
                                             ": give seconds or e.g. 45m, 1h, 1h30m");
  if (text.empty()) return bad;
  std::int64_t total = 0;
  while (!text.empty()) {
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || n < 0 || n > 366 * 24 * 3600) return bad;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    std::int64_t unit = 1;
    if (!text.empty()) {
      const std::string_view units = "smhd";
      const std::size_t i = units.find(text.front());
      if (i == std::string_view::npos) return bad;
      unit = std::array<std::int64_t, 4>{1, 60, 3600, 86400}[i];
      text.remove_prefix(1);
    }
    total += n * unit;
    if (total > 366 * 24 * 3600) return bad;
  }
  return total;
}

// 3600 -> "1h", 5400 -> "1h30m", 90 -> "1m30s"; for people, so seconds only below an hour.
std::string HumanDuration(std::int64_t s) {
  if (s < 0) return "the past";
  std::string out;
  if (s >= 3600) out += std::to_string(s / 3600) + "h";
  if (s % 3600 >= 60) out += std::to_string(s % 3600 / 60) + "m";
  if (s < 3600 && (s % 60 != 0 || s == 0)) out += std::to_string(s % 60) + "s";
  return out;
}

// "https://host[:port][/]"; IPv6 literals in brackets.
StatusOr<HttpsTarget> ParseEndpoint(std::string_view url) {
  const Status bad =
      Status::InvalidArgument("--endpoint " + std::string(url) + ": give https://HOST[:PORT]");
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) return bad;
  url.remove_prefix(kScheme.size());
  if (url.ends_with("/")) url.remove_suffix(1);
  HttpsTarget t;
  std::size_t port_at = url.rfind(':');
  if (url.starts_with("[")) {
    const std::size_t close = url.find(']');
    if (close == std::string_view::npos) return bad;
    t.host = std::string(url.substr(1, close - 1));
    port_at = close + 1 < url.size() ? close + 1 : std::string_view::npos;
    if (port_at != std::string_view::npos && url[port_at] != ':') return bad;
  } else {
    t.host = std::string(url.substr(0, port_at));
  }
  if (t.host.empty() || t.host.find_first_of("/?#@[] ") != std::string::npos) return bad;
  if (port_at != std::string_view::npos) {
    const std::string_view p = url.substr(port_at + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), t.port);
    if (ec != std::errc() || end != p.data() + p.size() || t.port == 0) return bad;
  }
  return t;
}

bool FileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Where to call: --endpoint, else the config's listen address, else localhost:8443. Which CA:
// --ca-bundle, else the config directory's tls/ca.pem, else AWS_CA_BUNDLE, else the system's.
StatusOr<HttpsTarget> ResolveTarget(const StartArgs& a, const proxy::EnvLookup& env) {
  std::optional<proxy::ServeConfig> config;
  if (!a.config.empty()) {
    std::string path = a.config;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) path += "/oversight.json";
    auto loaded = proxy::LoadServeConfig(path);
    if (!loaded.ok()) return loaded.status().WithContext("--config");
    config = std::move(*loaded);
  }
  HttpsTarget t;
  if (!a.endpoint.empty() || !config) {
    OVERSIGHT_ASSIGN_OR_RETURN(t,
                               ParseEndpoint(a.endpoint.empty() ? kDefaultEndpoint : a.endpoint));
  } else {
    if (config->listen_port == 0) {
      return Status::InvalidArgument(
          "--config: listen.port is 0 (chosen by the OS); give --endpoint");
    }
    // A wildcard listener is reached over loopback, which the init certificate names.
    t.host = config->listen_address == "0.0.0.0" ? "127.0.0.1"
             : config->listen_address == "::"    ? "::1"
                                                 : config->listen_address;
    t.port = config->listen_port;
  }
  if (!a.ca_bundle.empty()) {
    t.ca_file = a.ca_bundle;
  } else if (config && FileExists(config->config_dir + "/tls/ca.pem")) {
    t.ca_file = config->config_dir + "/tls/ca.pem";
  } else {
    t.ca_file = env("AWS_CA_BUNDLE").value_or("");
  }
  t.client_cert = a.client_cert;
  t.client_key = a.client_key;
  return t;
}

// The session's context as text fields, each checked against the policy schema here so a typo
// fails before the network; the proxy checks them again.
StatusOr<json> BuildContext(const StartArgs& a) {
  json context = json::object();
  const std::pair<const char*, const std::string*> flags[] = {
      {"warrant_id", &a.warrant}, {"case_id", &a.case_id},  {"purpose", &a.purpose},
      {"source", &a.source},      {"mode", &a.mode},        {"capture_time", &a.capture_time},
      {"camera_id", &a.camera},   {"location", &a.location}};
  for (const auto& [field, value] : flags) {
    if (!value->empty()) context[field] = *value;
  }
  for (const std::string& set : a.sets) {
    const std::size_t eq = set.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("--set " + set + ": give field=value");
    }
    const std::string field = set.substr(0, eq);
    if (context.contains(field)) {
      return Status::InvalidArgument("--set " + field + ": context." + field + " is already set");
    }
    context[field] = set.substr(eq + 1);
  }
  for (const auto& [field, value] : context.items()) {
    auto parsed = proxy::ContextValueFromText(field, value.get<std::string>());
    if (!parsed.ok()) return parsed.status().WithContext("context." + field);
  }
  return context;
}

StatusOr<std::string> RequestBody(const StartArgs& a) {
  json body;
  OVERSIGHT_ASSIGN_OR_RETURN(body["context"], BuildContext(a));
  if (!a.duration.empty()) {
    OVERSIGHT_ASSIGN_OR_RETURN(std::int64_t seconds, ParseDuration(a.duration));
    body["duration_seconds"] = seconds;
  }
  return body.dump();
}

// Text from the server shown on a terminal: control characters become '?', so a hostile or
// broken server cannot send escape sequences.
std::string Printable(std::string_view s) {
  std::string out(s.substr(0, 2000));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

// A value for `eval`: bare when it is plainly safe, single-quoted otherwise.
std::string ShellWord(const std::string& v) {
  const bool plain = !v.empty() && v.find_first_not_of(
                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                                       "qrstuvwxyz0123456789+/=._-") == std::string::npos;
  if (plain) return v;
  std::string out = "'";
  for (char c : v) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The proxy's AWS error, named as the AWS CLI would. AccessDenied (refused by role) is exit 1,
// like a check that found a problem; every other failure is 2.
int ReportRefusal(const proxy::Response& r, const proxy::ClientCredentials& signer) {
  json body = json::parse(r.body, nullptr, false);
  const std::string type = body.is_object() ? body.value("__type", "") : "";
  const std::string message = body.is_object() ? body.value("message", "") : "";
  std::string_view request_id;
  (void)proxy::SingleHeader(r.headers, "x-amzn-RequestId", &request_id);
  std::cerr << "oversight: the proxy refused the session (HTTP " << r.status
            << "): " << (type.empty() ? "no AWS error in the reply" : Printable(type)) << ": "
            << Printable(message);
  if (!request_id.empty()) std::cerr << " [request id " << Printable(request_id) << "]";
  // Which key signed is the first thing to check after UnrecognizedClient or InvalidSignature.
  std::cerr << "\noversight: signed as " << signer.access_key_id << " (" << signer.source
            << ", region " << signer.region << ")\n";
  return type == "AccessDeniedException" ? kExitInvalid : kExitError;
}

std::string ContextText(const json& context, const char* field) {
  auto it = context.find(field);
  return it != context.end() && it->is_string() ? Printable(it->get<std::string>()) : "(none)";
}

// The region goes out with the keys: the proxy accepted it, and without one the AWS CLI
// refuses to run ("You must specify a region") when the caller's came from a profile.
int PrintSession(const proxy::Response& r, const std::string& region, bool json_out) {
  json body = json::parse(r.body, nullptr, false);
  const json* creds =
      body.is_object() && body.contains("Credentials") ? &body["Credentials"] : nullptr;
  const auto text = [&](const char* k) {
    return creds && creds->is_object() && creds->value(k, json()).is_string()
               ? (*creds)[k].get<std::string>()
               : std::string();
  };
  const std::string id = text("AccessKeyId"), secret = text("SecretAccessKey"),
                    token = text("SessionToken"), expires = text("Expiration");
  if (id.empty() || secret.empty() || token.empty() || expires.empty()) {
    return ReportError(Status::Internal("the proxy's reply has no complete Credentials"));
  }
  if (json_out) {
    std::cout << body.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "export AWS_ACCESS_KEY_ID=" << ShellWord(id)
            << " AWS_SECRET_ACCESS_KEY=" << ShellWord(secret)
            << " AWS_SESSION_TOKEN=" << ShellWord(token)
            << " AWS_DEFAULT_REGION=" << ShellWord(region) << "\n";
  const json context = body.value("Context", json::object());
  std::string in;
  if (auto at = ParseRfc3339(expires); at.ok()) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(
        *at - SystemClock::Instance().Now() + std::chrono::seconds(30));
    in = " (in " + HumanDuration(left.count() / 60 * 60) + ")";
  }
  std::cerr << "# session " << Printable(id) << " for warrant "
            << ContextText(context, "warrant_id") << ", case " << ContextText(context, "case_id")
            << ", purpose " << ContextText(context, "purpose") << "; expires " << Printable(expires)
            << in << "\n";
  if (::isatty(STDOUT_FILENO)) {
    std::cerr << "# to use it: eval \"$(oversight session start ...)\"\n";
  }
  return kExitOk;
}

int RunStart(const StartArgs& a) {
  const proxy::EnvLookup env = proxy::ProcessEnvironment();
  StatusOr<std::string> body = RequestBody(a);
  if (!body.ok()) return ReportError(body.status());
  StatusOr<HttpsTarget> target = ResolveTarget(a, env);
  if (!target.ok()) return ReportError(target.status());
  auto resolved = proxy::ResolveClientCredentials(env, a.profile);
  if (!resolved.ok()) return ReportError(resolved.status());
  if (resolved->warning) std::cerr << "oversight: " << *resolved->warning << "\n";

  proxy::Request request;
  request.method = "POST";
  request.path = kSessionsPath;
  request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  request.body = std::move(*body);
  auto response = proxy::HttpsCall(*target, std::move(request), &resolved->credentials);
  if (!response.ok()) {
    const int code = ReportError(response.status());  // the message names host:port
    if (response.status().message().find("certificate verify failed") != std::string::npos) {
      std::cerr << "oversight: give the proxy's CA with --ca-bundle FILE or --config\n";
    }
    return code;
  }
  if (response->status != 200) return ReportRefusal(*response, resolved->credentials);
  return PrintSession(*response, resolved->credentials.region, a.json_out);
}

// The flags that become the session's context.
void AddContextOptions(CLI::App* c, StartArgs* a) {
  c->add_option("--warrant", a->warrant, "Warrant the searches rely on (context.warrant_id)")
      ->required();
  c->add_option("--case", a->case_id, "Case number (context.case_id)")->required();
  c->add_option("--purpose", a->purpose,
                "Declared purpose (context.purpose), e.g. criminal_investigation,\n"
                "missing_person, imminent_threat")
      ->required();
  c->add_option("--source", a->source,
                "Where probe images come from (context.source), e.g. booking_photo, cctv_still");
  c->add_option("--mode", a->mode, "retrospective or real_time (context.mode)")
      ->capture_default_str();
  c->add_option("--capture-time", a->capture_time,
                "When the probe was captured, RFC 3339 (context.capture_time)");
  c->add_option("--camera", a->camera, "Camera that captured the probe (context.camera_id)");
  c->add_option("--location", a->location, "Place of capture (context.location)");
  c->add_option("--set", a->sets,
                "Any other context field as field=value, typed by the policy schema\n"
                "(docs/rules.md), e.g. --set crime_class=violent_felony; repeatable");
}

// Duration, where to call, and whose key signs.
void AddConnectionOptions(CLI::App* c, StartArgs* a) {
  c->add_option("--duration", a->duration,
                "Session length: seconds or 45m, 1h, 1h30m (default: the proxy's, 1h)");
  c->add_option("--endpoint", a->endpoint,
                "Proxy URL, https://HOST[:PORT] (default: from --config, else " +
                    std::string(kDefaultEndpoint) + ")");
  c->add_option("--config", a->config,
                "The deployment's oversight.json (or its directory): the proxy's listen\n"
                "address and port, and tls/ca.pem beside it as the CA");
  c->add_option("--ca-bundle", a->ca_bundle,
                "PEM CA to verify the proxy with (default: --config's tls/ca.pem, else\n"
                "$AWS_CA_BUNDLE, else the system's trust store)");
  c->add_option("--client-cert", a->client_cert, "PEM client certificate, for mutual TLS");
  c->add_option("--client-key", a->client_key, "Its PEM key (mode 0600), for mutual TLS");
  c->add_option("--profile", a->profile,
                "Profile in the AWS shared credentials file to sign with. Without it: the\n"
                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY environment variables, else the\n"
                "profile $AWS_PROFILE or default, in $AWS_SHARED_CREDENTIALS_FILE or\n"
                "~/.aws/credentials");
}

}  // namespace

void AddSessionCommands(CLI::App& app, Context& ctx) {
  CLI::App* group = app.add_subcommand(
      "session",
      "Case sessions: temporary AWS credentials bound to one case, for the AWS CLI and SDKs.");
  group->require_subcommand(1);
  group->footer(
      "A case session is a set of temporary AWS credentials (an ASIA... access key id, a\n"
      "secret and a session token, the shape AWS STS issues) that the proxy binds to one case\n"
      "context: the warrant, case number and purpose, and optionally the image source, mode,\n"
      "capture time, camera and location. Every Rekognition call signed with them is judged by\n"
      "the rule pack under that context and recorded with it in the ledger, so the unmodified\n"
      "AWS CLI or any SDK can search under a warrant without sending X-Oversight-* headers. A\n"
      "call may add context fields the session does not bind but cannot change one it does.\n"
      "Sessions expire (default 1h; at most sessions.max_duration_seconds in oversight.json)\n"
      "and live in the proxy's memory only, so restarting the proxy ends them.");

  auto a = std::make_shared<StartArgs>();
  CLI::App* c = group->add_subcommand(
      "start",
      "Start a case session with your own AWS credentials and print its credentials as\n"
      "`export AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... AWS_SESSION_TOKEN=...\n"
      "AWS_DEFAULT_REGION=...` for eval (the region is the one the session was started in).");
  AddContextOptions(c, a.get());
  AddConnectionOptions(c, a.get());
  c->add_flag("--json", a->json_out, "Print the proxy's JSON reply instead of export lines");
  c->footer(
      "Example (a setup made by `oversight init`, as investigator det.jones):\n"
      "  export AWS_SHARED_CREDENTIALS_FILE=oversight-data/aws/credentials\n"
      "  eval \"$(oversight session start --config oversight-data/oversight.json \\\n"
      "      --profile det.jones --warrant W-2026-0042 --case C-2026-1187 \\\n"
      "      --purpose criminal_investigation --source cctv_still --duration 2h)\"\n"
      "  aws rekognition search-faces-by-image \\\n"
      "      --collection-id booking-photos --image-bytes fileb://probe.jpg \\\n"
      "      --endpoint-url https://localhost:8443 --ca-bundle oversight-data/tls/ca.pem\n"
      "The export line goes to stdout (only there: it holds the secret); a summary line\n"
      "starting '#' goes to stderr. The AWS CLI prefers the exported keys to AWS_PROFILE, but\n"
      "not to an explicit --profile: do not pass --profile to aws afterwards.\n"
      "Exit codes: 0 session started; 1 refused by the proxy (AccessDeniedException: your\n"
      "role may not start sessions); 2 anything else (a bad flag or context field, no\n"
      "credentials, TLS or connection failure, or another error from the proxy, which is\n"
      "printed with its __type and message).");
  c->callback([a, &ctx] { ctx.exit_code = RunStart(*a); });
}

}  // namespace oversight::cli
