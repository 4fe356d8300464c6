#include "console_assets.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

namespace oversight::proxy {
namespace {

std::string_view ContentTypeFor(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
  }};
  for (const auto& [ext, type] : kTypes) {
    if (path.size() > ext.size() && path.substr(path.size() - ext.size()) == ext) return type;
  }
  return "application/octet-stream";
}

}  // namespace

std::optional<ConsoleAsset> FindConsoleAsset(std::string_view path) {
  std::string wanted(path);
  if (wanted.empty() || wanted.back() == '/') wanted += "index.html";
  const auto files = ConsoleFiles();
  auto it =
      std::lower_bound(files.begin(), files.end(), wanted,
                       [](const EmbeddedFile& f, const std::string& p) { return f.path < p; });
  if (it == files.end() || it->path != wanted) return std::nullopt;
  return ConsoleAsset{it->bytes, ContentTypeFor(it->path)};
}

}  // namespace oversight::proxy
