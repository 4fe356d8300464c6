// ServeConfigToJson: the writer half of the config adapter (config.cc reads). Members are
// written in the documented order, every one of them, so the file `oversight init` leaves is
// also the reference of what can be set.
#include <nlohmann/json.hpp>

#include "config_paths.h"
#include "oversight/proxy/config.h"

namespace oversight::proxy {
namespace {

using ojson = nlohmann::ordered_json;

// The section's path members, relative to the config directory where they are inside it.
void AddPaths(const ServeConfig& c, std::string_view section, ojson* out) {
  for (const ConfigPath& p : kConfigPaths) {
    if (p.section == section)
      (*out)[std::string(p.name)] = RelativeIfInside(c.*p.field, c.config_dir);
  }
}

ojson Section(const ServeConfig& c, std::string_view section) {
  ojson out = ojson::object();
  AddPaths(c, section, &out);
  return out;
}

}  // namespace

std::string ServeConfigToJson(const ServeConfig& c) {
  ojson j;
  j["version"] = 1;
  j["listen"] = {{"address", c.listen_address}, {"port", c.listen_port}};
  j["tls"] = Section(c, "tls");
  j["tls"]["client_certs"] = c.client_certs_optional ? "optional" : "required";
  j["principals"] = RelativeIfInside(c.principals_file, c.config_dir);
  ojson ledger = Section(c, "ledger");
  ledger["checkpoint_every_entries"] = c.checkpoint_every_entries;
  ledger["checkpoint_every_seconds"] = c.checkpoint_every.count();
  j["ledger"] = ledger;
  j["rules"] = Section(c, "rules");
  j["matcher"] = Section(c, "matcher");
  j["records"] = Section(c, "records");
  j["sigv4"] = {{"regions", c.sigv4_regions}, {"max_skew_seconds", c.max_skew.count()}};
  j["rate_limit"] = {{"per_second", c.rate_per_second}, {"burst", c.rate_burst}};
  j["limits"] = {
      {"max_body_bytes", c.max_body_bytes},        {"max_header_bytes", c.max_header_bytes},
      {"read_timeout_ms", c.read_timeout.count()}, {"write_timeout_ms", c.write_timeout.count()},
      {"max_connections", c.max_connections},      {"worker_threads", c.worker_threads}};
  j["sessions"] = {{"max_duration_seconds", c.session_max_duration.count()},
                   {"default_duration_seconds", c.session_default_duration.count()}};
  j["purge"] = {{"every_seconds", c.purge_every.count()}};
  ojson console = Section(c, "console");
  console["session_hours"] = c.console_session.count();
  j["console"] = console;
  j["agency_type"] = c.agency_type;
  return j.dump(2) + "\n";
}

}  // namespace oversight::proxy
