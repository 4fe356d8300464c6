// `oversight console login`: a single-use sign-in link to the web console (docs/console.md).
// It runs on the proxy's machine: minting a link needs the deployment's console key, so only
// someone who can read that 0600 file can let a principal in without a client certificate.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"
#include "oversight/common/clock.h"
#include "oversight/common/key_file.h"
#include "oversight/common/time_format.h"
#include "oversight/proxy/config.h"
#include "oversight/proxy/console_auth.h"
#include "oversight/proxy/principals.h"

namespace oversight::cli {
namespace {

struct LoginArgs {
  std::string config = "oversight-data/oversight.json";
  std::string principal;
  int minutes = 10;
  bool json_out = false;
};

std::string HostFor(const std::string& address) {
  if (address == "0.0.0.0" || address == "::") return "localhost";
  if (address.find(':') != std::string::npos) return "[" + address + "]";
  return address;
}

int RunLogin(const LoginArgs& a) {
  auto config = proxy::LoadServeConfig(a.config);
  if (!config.ok()) return ReportError(config.status());
  if (config->console_key.empty()) {
    return ReportError(Status::FailedPrecondition(
        a.config +
        " names no console.key, so the proxy accepts no sign-in links; run "
        "`oversight init --force` to add one, or sign in with a client certificate"));
  }
  auto principals = proxy::PrincipalStore::LoadFile(config->principals_file);
  if (!principals.ok()) return ReportError(principals.status());
  if ((*principals)->FindById(a.principal) == nullptr) {
    return ReportError(
        Status::NotFound("no principal " + a.principal + " in " + config->principals_file));
  }
  auto key = ReadRawKey256(config->console_key);
  if (!key.ok()) return ReportError(key.status());
  const TimePoint now = SystemClock::Instance().Now();
  const TimePoint expires = now + std::chrono::minutes(a.minutes);
  auto token = proxy::MakeSignInToken(*key, a.principal, now, expires);
  if (!token.ok()) return ReportError(token.status());
  const std::string url = "https://" + HostFor(config->listen_address) + ":" +
                          std::to_string(config->listen_port) +
                          "/console/login.html#token=" + *token;
  if (a.json_out) {
    const nlohmann::json out = {
        {"url", url}, {"principal", a.principal}, {"expires", FormatRfc3339Millis(expires)}};
    std::cout << out.dump() << "\n";
  } else {
    std::cout << url << "\n";
    std::cerr << "Sign-in link for " << a.principal << ": open it once, before "
              << FormatRfc3339Millis(expires) << ". Anyone holding it can sign in as "
              << a.principal << " until then; send it only to them.\n";
  }
  return kExitOk;
}

}  // namespace

void AddConsoleCommands(CLI::App& app, Context& ctx) {
  CLI::App* group = app.add_subcommand("console", "The web console: sign-in links.");
  group->require_subcommand(1);
  auto a = std::make_shared<LoginArgs>();
  CLI::App* login = group->add_subcommand(
      "login", "Print a single-use link that signs a principal in to the web console.");
  login->add_option("--principal", a->principal, "Principal id from principals.json")->required();
  login->add_option("--config", a->config, "The deployment's oversight.json")
      ->capture_default_str();
  login->add_option("--minutes", a->minutes, "How long the link may wait to be opened")
      ->check(CLI::Range(1, 60))
      ->capture_default_str();
  login->add_flag("--json", a->json_out, "Print {url, principal, expires} as JSON");
  login->footer(
      "The link opens https://<listen address>/console/login.html with a token in its\n"
      "fragment (after '#', which browsers never send to a server or in a Referer). The\n"
      "page hands the token to the proxy once and receives a session cookie (HttpOnly,\n"
      "Secure, SameSite=Strict, 8 hours by default: console.session_hours). The token is\n"
      "an HMAC-SHA256 over the principal, an expiry and a nonce, keyed with console.key\n"
      "(0600); the proxy accepts it once, before it expires. Every sign-in is a ledger entry.\n"
      "The console then shows what the principal's roles allow: auditors the ledger and the\n"
      "report, policy analysts the rule workbench.\n\n"
      "Example:\n"
      "  oversight console login --principal aud.smith --config demo/oversight.json\n"
      "Exit: 0 link printed; 2 usage, config, key or unknown principal.");
  login->callback([a, &ctx] { ctx.exit_code = RunLogin(*a); });
}

}  // namespace oversight::cli
