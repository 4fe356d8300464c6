// The console's files (proxy/console/), compiled into the executable by cmake/EmbedFiles.cmake
// so the proxy serves them without touching the file system.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace oversight::proxy {

struct EmbeddedFile {
  std::string_view path;  // relative to proxy/console/, e.g. "js/verify.js"
  std::string_view bytes;
};

// Sorted by path.
std::span<const EmbeddedFile> ConsoleFiles();

struct ConsoleAsset {
  std::string_view bytes;
  std::string_view content_type;
};

// The file served at /console/<path> ("" and a trailing "/" mean index.html); nullopt if none.
std::optional<ConsoleAsset> FindConsoleAsset(std::string_view path);

}  // namespace oversight::proxy
