// The path members of ServeConfig in one table, shared by the loader (config.cc), which
// resolves them against the config file's directory, and the writer (config_json.cc), which
// makes them relative again. Private to the proxy library.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "oversight/common/status.h"
#include "oversight/proxy/config.h"

namespace oversight::proxy {

struct ConfigPath {
  std::string_view section;  // "" for a top-level member
  std::string_view name;
  std::string ServeConfig::*field;
  std::string_view default_value;  // relative to the config directory; "" means "none"
  bool may_be_empty;
};

inline constexpr std::array<ConfigPath, 14> kConfigPaths = {{
    {"tls", "cert", &ServeConfig::tls_cert, "tls/server.pem", false},
    {"tls", "key", &ServeConfig::tls_key, "tls/server.key", false},
    {"tls", "client_ca", &ServeConfig::tls_client_ca, "", true},
    {"", "principals", &ServeConfig::principals_file, "principals.json", false},
    {"ledger", "dir", &ServeConfig::ledger_dir, "ledger", false},
    {"rules", "pack", &ServeConfig::rule_pack, "rules/baseline.json", false},
    {"rules", "warrants", &ServeConfig::warrants_file, "warrants/warrants.json", true},
    {"matcher", "socket", &ServeConfig::matcher_socket, "run/matcher.sock", false},
    {"matcher", "gallery", &ServeConfig::gallery_db, "gallery/gallery.db", false},
    {"matcher", "gallery_key", &ServeConfig::gallery_key, "gallery/gallery.key", false},
    {"matcher", "models", &ServeConfig::models_dir, "", true},
    {"records", "db", &ServeConfig::records_db, "records/records.db", false},
    {"records", "key", &ServeConfig::records_key, "records/records.key", false},
    {"console", "key", &ServeConfig::console_key, "", true},
}};

// A ServeConfig with every path member at its (still relative) default.
ServeConfig DefaultServeConfigPaths();

// Makes every non-empty path member absolute and normal, relative ones against config_dir.
void ResolveServeConfigPaths(ServeConfig* config);

// `path` relative to `dir` if it lies inside it, else `path` unchanged.
std::string RelativeIfInside(const std::string& path, const std::string& dir);

// The absolute, normalised directory holding `file` (which need not exist).
StatusOr<std::string> AbsoluteParentDir(const std::string& file);

}  // namespace oversight::proxy
