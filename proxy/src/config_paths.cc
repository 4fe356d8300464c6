#include "config_paths.h"

#include <filesystem>
#include <system_error>

namespace oversight::proxy {
namespace {

namespace fs = std::filesystem;

// lexically_normal keeps a trailing separator ("dir/." -> "dir/"); drop it so a directory has
// one spelling and paths compare equal after a round trip.
std::string WithoutTrailingSlash(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

}  // namespace

ServeConfig DefaultServeConfigPaths() {
  ServeConfig c;
  for (const ConfigPath& p : kConfigPaths) c.*p.field = std::string(p.default_value);
  return c;
}

void ResolveServeConfigPaths(ServeConfig* config) {
  for (const ConfigPath& p : kConfigPaths) {
    std::string& value = config->*p.field;
    if (value.empty()) continue;
    fs::path path(value);
    if (path.is_relative()) path = fs::path(config->config_dir) / path;
    value = WithoutTrailingSlash(path.lexically_normal().string());
  }
}

std::string RelativeIfInside(const std::string& path, const std::string& dir) {
  if (path.empty() || dir.empty()) return path;
  fs::path rel = fs::path(path).lexically_normal().lexically_relative(fs::path(dir));
  if (rel.empty() || *rel.begin() == "..") return path;
  return WithoutTrailingSlash(rel.string());
}

StatusOr<std::string> AbsoluteParentDir(const std::string& file) {
  std::error_code ec;
  fs::path abs = fs::absolute(fs::path(file), ec);
  if (ec) return Status::IOError("cannot make the path absolute: " + ec.message());
  return WithoutTrailingSlash(abs.lexically_normal().parent_path().string());
}

}  // namespace oversight::proxy
