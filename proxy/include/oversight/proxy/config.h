// ServeConfig: everything `oversight serve` and `oversight matcher serve` need, from one JSON
// file that `oversight init` writes (docs/api.md, "Configuration").
//
// Format (version 1). Relative paths are resolved against the directory holding the config
// file. Unknown members anywhere are refused, so a misspelt limit cannot silently fall back to
// a default. Every member except "version" is optional and has the default shown.
//   {
//     "version": 1,
//     "listen":    {"address": "127.0.0.1", "port": 8443},
//     "tls":       {"cert": "tls/server.pem", "key": "tls/server.key", "client_ca": "",
//                   "client_certs": "required"},
//     "principals": "principals.json",
//     "ledger":    {"dir": "ledger", "checkpoint_every_entries": 1000,
//                   "checkpoint_every_seconds": 60},
//     "rules":     {"pack": "rules/baseline.json", "warrants": "warrants/warrants.json"},
//     "matcher":   {"socket": "run/matcher.sock", "gallery": "gallery/gallery.db",
//                   "gallery_key": "gallery/gallery.key", "models": ""},
//     "records":   {"db": "records/records.db", "key": "records/records.key"},
//     "sigv4":     {"regions": ["us-east-1"], "max_skew_seconds": 300},
//     "rate_limit": {"per_second": 10, "burst": 20},
//     "limits":    {"max_body_bytes": 8388608, "max_header_bytes": 16384,
//                   "read_timeout_ms": 30000, "write_timeout_ms": 30000,
//                   "max_connections": 512, "worker_threads": 16},
//     "sessions":  {"max_duration_seconds": 43200, "default_duration_seconds": 3600},
//     "purge":     {"every_seconds": 3600},
//     "console":   {"key": "", "session_hours": 8},
//     "agency_type": "law_enforcement"
//   }
// "console.key" is the 0600 file of 32 random bytes that signs console sign-in links
// (`oversight console login`); empty means the console accepts no sign-in links, only client
// certificates (docs/console.md).
// "matcher.models" empty means the default model directory (models/ beside the executable's
// source tree, or $OVERSIGHT_MODELS). "agency_type" is the policy field principal.agency_type
// for every principal of this deployment.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "oversight/common/status.h"

namespace oversight::proxy {

struct ServeConfig {
  std::string config_dir;  // absolute directory of the config file; paths below are absolute

  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 8443;

  std::string tls_cert, tls_key, tls_client_ca;  // client_ca empty: no mutual TLS
  bool client_certs_optional = false;             // "client_certs": "optional"
  std::string principals_file;
  std::string ledger_dir;
  std::uint64_t checkpoint_every_entries = 1000;
  std::chrono::seconds checkpoint_every{60};
  std::string rule_pack;
  std::string warrants_file;  // empty: no registry (warrant.* facts are undecided)
  std::string matcher_socket;
  std::string gallery_db, gallery_key, models_dir;
  std::string records_db, records_key;

  std::vector<std::string> sigv4_regions = {"us-east-1"};
  std::chrono::seconds max_skew{300};
  double rate_per_second = 10, rate_burst = 20;

  std::size_t max_body_bytes = 8u << 20;
  std::size_t max_header_bytes = 16u << 10;
  std::chrono::milliseconds read_timeout{30'000}, write_timeout{30'000};
  std::size_t max_connections = 512;
  // Handlers block while their ledger entry commits; more of them in flight make bigger group
  // commits (docs/performance.md, "Proxy"), at the cost of an idle thread's stack each.
  int worker_threads = 16;

  std::chrono::seconds session_max_duration{12 * 3600};
  std::chrono::seconds session_default_duration{3600};
  std::chrono::seconds purge_every{3600};
  std::string console_key;  // empty: no sign-in links
  std::chrono::hours console_session{8};
  std::string agency_type = "law_enforcement";
};

// Reads and validates the file. InvalidArgument names the member at fault ("limits.port: ...");
// NotFound if the file is missing.
StatusOr<ServeConfig> LoadServeConfig(const std::string& path);

// The JSON text of `config` with paths written relative to `config.config_dir` where they are
// inside it (what `oversight init` writes).
std::string ServeConfigToJson(const ServeConfig& config);

}  // namespace oversight::proxy
