// `oversight serve`: the HTTPS proxy. Composes the libraries the config names (principals,
// ledger, rule pack, warrant registry, records store, the matcher's socket) into a Gateway
// behind the TLS server, then runs until SIGINT/SIGTERM. SIGHUP reloads the rule pack.
#include <malloc.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "command.h"
#include "oversight/common/key_file.h"
#include "oversight/common/time_format.h"
#include "oversight/ledger/ledger.h"
#include "oversight/policy/pack.h"
#include "oversight/policy/warrant_registry.h"
#include "oversight/proxy/config.h"
#include "oversight/proxy/gateway.h"
#include "oversight/proxy/server.h"
#include "oversight/proxy/upstream.h"

namespace oversight::cli {
namespace {

using proxy::ServeConfig;

struct ServeArgs {
  std::string config = "oversight-data/oversight.json";
  int port = -1;  // -1: from the config
  bool no_purge = false;
};

// Everything the gateway borrows, owned here for the life of the server.
struct Parts {
  std::shared_ptr<const proxy::PrincipalStore> principals;
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<proxy::AuditLog> audit;
  std::unique_ptr<policy::PolicyStore> policy;
  std::unique_ptr<policy::JsonWarrantRegistry> warrants;
  std::unique_ptr<proxy::RecordStore> records;
  std::unique_ptr<proxy::Upstream> upstream;
  std::optional<SecretBytes> console_key;
  std::unique_ptr<proxy::Gateway> gateway;
};

Status Open(const ServeConfig& c, Parts& p) {
  OVERSIGHT_ASSIGN_OR_RETURN(p.principals, proxy::PrincipalStore::LoadFile(c.principals_file));
  ledger::LedgerOptions lo;
  lo.checkpoint_every_entries = c.checkpoint_every_entries;
  lo.checkpoint_every = c.checkpoint_every;
  OVERSIGHT_ASSIGN_OR_RETURN(
      p.ledger, ledger::Ledger::Open(ledger::LedgerPaths::InDirectory(c.ledger_dir), lo));
  p.audit = proxy::MakeLedgerAuditLog(*p.ledger);
  OVERSIGHT_ASSIGN_OR_RETURN(auto pack, policy::LoadPackFile(c.rule_pack));
  p.policy = std::make_unique<policy::PolicyStore>(std::move(pack));
  if (!c.warrants_file.empty()) {
    OVERSIGHT_ASSIGN_OR_RETURN(p.warrants, policy::JsonWarrantRegistry::LoadFile(c.warrants_file));
  }
  OVERSIGHT_ASSIGN_OR_RETURN(SecretBytes key, ReadRawKey256(c.records_key));
  OVERSIGHT_ASSIGN_OR_RETURN(p.records, proxy::RecordStore::Open(c.records_db, key));
  proxy::UnixUpstreamOptions uo;
  uo.socket_path = c.matcher_socket;
  OVERSIGHT_ASSIGN_OR_RETURN(p.upstream, proxy::MakeUnixUpstream(uo));
  if (!c.console_key.empty()) {
    OVERSIGHT_ASSIGN_OR_RETURN(SecretBytes console_key, ReadRawKey256(c.console_key));
    p.console_key = std::move(console_key);
  }

  proxy::GatewayDeps deps;
  deps.principals = p.principals;
  deps.policy = p.policy.get();
  deps.warrants = p.warrants.get();
  deps.upstream = p.upstream.get();
  deps.audit = p.audit.get();
  deps.ledger = p.ledger.get();
  deps.records = p.records.get();
  deps.console_key = p.console_key ? &*p.console_key : nullptr;
  proxy::GatewayOptions go;
  go.sigv4.allowed_regions = c.sigv4_regions;
  go.sigv4.max_skew = c.max_skew;
  go.api_sigv4.allowed_regions = c.sigv4_regions;
  go.api_sigv4.max_skew = c.max_skew;
  go.agency_type = c.agency_type;
  go.rate_limit = {c.rate_per_second, c.rate_burst};
  go.session_max_duration = c.session_max_duration;
  go.session_default_duration = c.session_default_duration;
  go.rule_pack_path = c.rule_pack;
  go.console_session_duration = c.console_session;
  go.ledger_dir = c.ledger_dir;
  p.gateway = std::make_unique<proxy::Gateway>(std::move(deps), go);
  return p.gateway->RebuildHistory();
}

proxy::ServerConfig ServerConfigFor(const ServeConfig& c) {
  proxy::ServerConfig s;
  s.bind_address = c.listen_address;
  s.port = c.listen_port;
  s.cert_file = c.tls_cert;
  s.key_file = c.tls_key;
  s.client_ca_file = c.tls_client_ca;
  s.client_cert_optional = c.client_certs_optional;
  s.header_limit = c.max_header_bytes;
  s.body_limit = c.max_body_bytes;
  s.read_timeout = c.read_timeout;
  s.write_timeout = c.write_timeout;
  s.max_connections = c.max_connections;
  s.worker_threads = c.worker_threads;
  return s;
}

// One line per request on stderr: no bodies, no headers, nothing secret. Written when the
// answer is ready (on the ledger's committer thread), so no worker waits for the append.
proxy::AsyncHandler LoggingHandler(proxy::Gateway& gateway) {
  return [&gateway](proxy::Request request, proxy::Respond respond) {
    const auto start = std::chrono::steady_clock::now();
    std::string_view target;
    (void)proxy::SingleHeader(request.headers, "x-amz-target", &target);
    std::string what = request.request_id + " " + request.remote_address + " " + request.method +
                       " " + request.path + (target.empty() ? "" : " " + std::string(target));
    gateway.HandleAsync(request, [start, what = std::move(what),
                                  respond = std::move(respond)](proxy::Response response) {
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      std::fprintf(stderr, "%s %s %d %.1fms\n",
                   FormatRfc3339Millis(SystemClock::Instance().Now()).c_str(), what.c_str(),
                   response.status, ms);
      respond(std::move(response));
    });
  };
}

// Blocks SIGINT, SIGTERM and SIGHUP in every thread, so sigwait here is the only receiver.
sigset_t BlockSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

void RunPurges(proxy::Gateway& gateway, std::chrono::seconds every, std::atomic<bool>& stop) {
  auto next = std::chrono::steady_clock::now();
  while (!stop) {
    if (std::chrono::steady_clock::now() >= next) {
      const proxy::PurgeReport r = gateway.Purge("scheduler");
      if (r.purged + r.resumed + r.failed > 0) {
        std::fprintf(stderr, "purge: %zu purged, %zu resumed, %zu failed\n", r.purged, r.resumed,
                     r.failed);
      }
      for (const std::string& e : r.errors) std::fprintf(stderr, "purge: %s\n", e.c_str());
      next = std::chrono::steady_clock::now() + every;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// Request bodies are up to a few MiB (base64 images). glibc would map each such buffer
// afresh and hand the pages back when it is freed, so every request paid for page faults
// (about 5% of a denied search's CPU in bench/proxy_load.sh). Instead, buffers under 64 MiB
// come from the heap and up to 256 MiB of freed heap is kept for reuse rather than returned:
// resident size then follows the busiest moment so far (docs/performance.md, "Memory").
void KeepFreedMemoryForReuse() {
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

int RunServe(const ServeArgs& args) {
  KeepFreedMemoryForReuse();
  sigset_t signals = BlockSignals();
  auto config = proxy::LoadServeConfig(args.config);
  if (!config.ok()) return ReportError(config.status());
  if (args.port >= 0) config->listen_port = static_cast<std::uint16_t>(args.port);
  Parts parts;
  if (Status s = Open(*config, parts); !s.ok()) return ReportError(s);
  auto server = proxy::Server::Start(ServerConfigFor(*config), LoggingHandler(*parts.gateway));
  if (!server.ok()) return ReportError(server.status());
  std::printf(
      "oversight: serving https://%s:%u/ (rules %s %.12s, ledger %llu entries, matcher %s)\n",
      config->listen_address.c_str(), (*server)->port(),
      parts.policy->Current()->metadata().name.c_str(),
      parts.policy->Current()->sha256_hex().c_str(),
      static_cast<unsigned long long>(parts.ledger->size()), config->matcher_socket.c_str());
  std::fflush(stdout);

  std::atomic<bool> stop{false};
  std::thread purger;
  if (!args.no_purge)
    purger = std::thread(RunPurges, std::ref(*parts.gateway), config->purge_every, std::ref(stop));
  while (true) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig != SIGHUP) break;
    Status reloaded = parts.gateway->ReloadRules("SIGHUP");
    std::fprintf(stderr, "rules reload: %s\n",
                 reloaded.ok() ? "accepted" : reloaded.ToString().c_str());
  }
  std::fprintf(stderr, "oversight: stopping\n");
  stop = true;
  if (purger.joinable()) purger.join();
  (*server)->Stop();
  return kExitOk;
}

}  // namespace

void AddServeCommands(CLI::App& app, Context& ctx) {
  static ServeArgs args;
  auto* c = app.add_subcommand(
      "serve",
      "Run the HTTPS proxy: Rekognition's API (AWS JSON 1.1, SigV4) in front of the matcher.\n"
      "Every request is authenticated, judged by the rule pack, forwarded only if allowed, and\n"
      "appended to the ledger before any answer leaves (if the append fails: 503, no answer).\n"
      "The matcher must be running (`oversight matcher serve --config FILE`).\n"
      "Signals: SIGHUP reloads the rule pack (a bad pack is refused; the old one stays);\n"
      "SIGINT/SIGTERM stop after in-flight requests finish.\n"
      "Example: oversight serve --config oversight-data/oversight.json");
  c->add_option("--config", args.config, "The config file `oversight init` wrote")
      ->capture_default_str();
  c->add_option("--port", args.port, "Listen on this port instead of the config's (0: any free)");
  c->add_flag("--no-purge", args.no_purge,
              "Do not run retention purges on a schedule (purge on demand via the API only)");
  c->callback([&ctx] { ctx.exit_code = RunServe(args); });
}

}  // namespace oversight::cli
