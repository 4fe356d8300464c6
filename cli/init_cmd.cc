// `oversight init`: a complete development setup in one directory (config, TLS, principals,
// AWS CLI profiles, ledger, database keys, rule pack, signed warrants). Thin: the steps live
// in init_*.cc (init_steps.h), the reusable parts in the libraries; this file checks the
// target directory, runs the steps in order and prints the summary. Secrets are written to
// 0600 files and never printed: the summary names files, not their contents.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <system_error>

#include "command.h"
#include "init_steps.h"
#include "oversight/common/key_file.h"
#include "oversight/proxy/config.h"

namespace oversight::cli {
namespace {

namespace fs = std::filesystem;
using init::Report;
using nlohmann::json;

struct InitOptions {
  std::string dir = "oversight-data";
  std::string rules = "baseline";
  std::uint16_t port = 8443;
  bool force = false;
  bool json_out = false;
};

// An existing directory with anything in it is refused unless --force: init must not be the
// way a real deployment's files get mixed with demo ones.
Status CheckTarget(const std::string& dir, bool force) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(dir, ec))) return Status::Ok();
  if (!fs::is_directory(dir, ec)) return Status::FailedPrecondition(dir + " is not a directory");
  if (fs::is_empty(dir, ec) || force) return Status::Ok();
  return Status::FailedPrecondition(
      dir + " is not empty; use --force to fill it in (existing keys are kept, never replaced)");
}

StatusOr<std::string> AbsoluteDir(const std::string& dir) {
  std::error_code ec;
  fs::path abs = fs::absolute(dir, ec);
  if (ec) return Status::IOError("cannot resolve " + dir + ": " + ec.message());
  std::string s = abs.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// Written last, so a config exists only when everything it points to does; read back because
// what init writes must be exactly what `oversight serve` accepts.
Status WriteConfig(const InitOptions& o, const std::string& pack_path, Report* r) {
  proxy::ServeConfig c;
  c.config_dir = r->dir;
  c.listen_port = o.port;
  c.tls_cert = r->Path("tls/server.pem");
  c.tls_key = r->Path("tls/server.key");
  // Certificates from the dev CA are accepted, not demanded: SigV4 clients need none, and the
  // console can sign in a browser that presents tls/client-<id> (docs/console.md).
  c.tls_client_ca = r->Path("tls/ca.pem");
  c.client_certs_optional = true;
  c.principals_file = r->Path("principals.json");
  c.ledger_dir = r->Path("ledger");
  c.rule_pack = pack_path;
  c.warrants_file = r->Path("warrants/warrants.json");
  c.matcher_socket = r->Path("run/matcher.sock");
  c.gallery_db = r->Path("gallery/gallery.db");
  c.gallery_key = r->Path("gallery/gallery.key");
  c.records_db = r->Path("records/records.db");
  c.records_key = r->Path("records/records.key");
  c.console_key = r->Path("console/console.key");
  OVERSIGHT_RETURN_IF_ERROR(init::MakeDir(r->Path("run"), 0700));
  const std::string path = r->Path("oversight.json");
  OVERSIGHT_RETURN_IF_ERROR(WriteFileAtomically(path, proxy::ServeConfigToJson(c), 0644));
  StatusOr<proxy::ServeConfig> loaded = proxy::LoadServeConfig(path);
  if (!loaded.ok())
    return Status::Internal("init wrote a config it cannot load: " + loaded.status().ToString());
  r->Add("oversight.json",
         "serve config: listen 127.0.0.1:" + std::to_string(o.port) +
             ", every path inside this directory",
         false);
  return Status::Ok();
}

Status RunSteps(const InitOptions& o, Report* r) {
  OVERSIGHT_RETURN_IF_ERROR(CheckTarget(o.dir, o.force));
  OVERSIGHT_ASSIGN_OR_RETURN(r->dir, AbsoluteDir(o.dir));
  // 0700: the directory holds every secret of the deployment.
  OVERSIGHT_RETURN_IF_ERROR(init::MakeDir(r->dir, 0700));
  std::string pack_path;
  OVERSIGHT_RETURN_IF_ERROR(init::CopyRules(o.rules, r, &pack_path));  // fails before any key
  OVERSIGHT_RETURN_IF_ERROR(init::MakeTls(r));
  OVERSIGHT_RETURN_IF_ERROR(init::MakePrincipals(r));
  OVERSIGHT_RETURN_IF_ERROR(init::MakeWarrants(SystemClock::Instance().Now(), r));
  OVERSIGHT_RETURN_IF_ERROR(init::MakeStores(r));
  return WriteConfig(o, pack_path, r);
}

// `gap` separates the AWS CLI command's parts: " " for JSON, a shell line continuation for text.
std::vector<std::string> NextCommands(const InitOptions& o, const Report& r,
                                      const std::string& gap = " ") {
  const std::string config = r.Path("oversight.json");
  return {"oversight matcher serve --config " + config, "oversight serve --config " + config,
          "AWS_SHARED_CREDENTIALS_FILE=" + r.Path("aws/credentials") +
              " AWS_CONFIG_FILE=" + r.Path("aws/config") + gap + "aws --profile " +
              std::string(init::kMtlsDemoPrincipal) + " rekognition list-collections" + gap +
              "--endpoint-url https://localhost:" + std::to_string(o.port) + " --ca-bundle " +
              r.Path("tls/ca.pem")};
}

std::string ModeOf(const init::Artifact& a) {
  if (a.path.ends_with("/")) return "0700";
  return a.secret ? "0600" : "0644";
}

void PrintJson(const InitOptions& o, const Report& r) {
  json files = json::array(), principals = json::array();
  for (const init::Artifact& a : r.artifacts) {
    files.push_back({{"path", a.path}, {"what", a.what}, {"mode", ModeOf(a)}, {"kept", a.kept}});
  }
  for (const init::DemoPrincipal& p : init::kDemoPrincipals) {
    principals.push_back(
        {{"id", p.id}, {"role", p.role}, {"agency", p.agency}, {"aws_profile", p.id}});
  }
  std::cout << json{{"dir", r.dir},
                    {"config", r.Path("oversight.json")},
                    {"listen", "127.0.0.1:" + std::to_string(o.port)},
                    {"ca_bundle", r.Path("tls/ca.pem")},
                    {"verifier_key", r.verifier_key},
                    {"files", files},
                    {"principals", principals},
                    {"next", NextCommands(o, r)}}
                   .dump(2)
            << "\n";
}

void PrintText(const InitOptions& o, const Report& r) {
  std::cout << "Oversight development setup in " << r.dir << "\n\n";
  for (const init::Artifact& a : r.artifacts) {
    std::printf("  %-34s %s  %s%s\n", a.path.c_str(), ModeOf(a).c_str(), a.what.c_str(),
                a.kept ? "  [kept: existed]" : "");
  }
  std::cout << "\nPrincipals (keys in principals.json and aws/credentials; AWS profile = id):\n";
  for (const init::DemoPrincipal& p : init::kDemoPrincipals) {
    std::printf("  %-12s %-15s %s\n", std::string(p.id).c_str(), std::string(p.role).c_str(),
                std::string(p.agency).c_str());
  }
  std::cout << "\nLedger verifier key (public; give it to auditors):\n  " << r.verifier_key
            << "\n\nNext, in two terminals:\n";
  const std::vector<std::string> next = NextCommands(o, r, " \\\n    ");
  std::cout
      << "  " << next[0] << "\n  " << next[1] << "\nThen:\n  " << next[2] << "\n"
      << "\nClient certificates (tls/client-<id>.pem/.key) from tls/ca.pem are accepted, not\n"
      << "demanded; set tls.client_certs to \"required\" for mutual TLS.\n";
}

int RunInit(const InitOptions& o) {
  Report report;
  Status st = RunSteps(o, &report);
  if (!st.ok()) return ReportError(st);
  if (o.json_out) {
    PrintJson(o, report);
  } else {
    PrintText(o, report);
  }
  return kExitOk;
}

}  // namespace

void AddInitCommands(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<InitOptions>();
  CLI::App* cmd = app.add_subcommand(
      "init",
      "Create a complete development setup in one directory: oversight.json, a development\n"
      "CA with server and mTLS client certificates, one access key per role (principals.json\n"
      "and AWS CLI profiles), the ledger, the gallery and records database keys, a rule pack\n"
      "and a warrant registry signed by fresh sample court keys, dated from today.");
  cmd->add_option("--dir", o->dir, "Directory to create (must be absent or empty)")
      ->capture_default_str();
  cmd->add_flag("--force", o->force,
                "Fill in a non-empty directory: rewrite oversight.json, the rule pack copy,\n"
                "aws/config and warrants/warrants.json (re-signed with the kept court keys, so\n"
                "its dates move forward), and create whatever is missing. Secrets that exist\n"
                "are NEVER overwritten, even with --force: tls/*.key, principals.json,\n"
                "aws/credentials, ledger/, gallery.key, records.key, warrants/court*.key. A\n"
                "replaced key would lock you out of data it protects (the encrypted ledger and\n"
                "gallery) or silently invalidate what it signed; delete a key yourself to\n"
                "replace it.");
  cmd->add_option("--port", o->port, "Port for listen.port in oversight.json")
      ->capture_default_str();
  cmd->add_option("--rules", o->rules,
                  "Rule pack: a shipped pack's name (baseline, wa-rcw-43-386, ...; found in\n"
                  "$OVERSIGHT_RULES_DIR or the source tree's rules/) or a path to a pack file")
      ->capture_default_str();
  cmd->add_flag("--json", o->json_out, "Print the summary as JSON");
  cmd->footer(
      "Files holding secrets are mode 0600 and never printed. Exit codes: 0 created,\n"
      "2 refused (non-empty directory without --force) or failed.");
  cmd->callback([o, &ctx] { ctx.exit_code = RunInit(*o); });
}

}  // namespace oversight::cli
