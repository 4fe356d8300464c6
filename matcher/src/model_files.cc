#include "oversight/matcher/model_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "file_util.h"
#include "oversight/common/encoding.h"
#include "oversight/common/hash.h"

namespace oversight::matcher {
namespace internal {
extern const std::string_view kModelPins;  // generated from matcher/model-files.sha256

StatusOr<std::vector<std::uint8_t>> ReadWholeFile(const std::string& path,
                                                  std::uint64_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return Status::NotFound("no file " + path);
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return Status::IOError("cannot stat " + path + ": " + ec.message());
  if (size > max_bytes) return Status::ResourceExhausted(path + " is larger than expected");
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> bytes(size);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
    return Status::IOError("cannot read " + path);
  }
  return bytes;
}
}  // namespace internal

namespace {

// Finds the pinned hex digest for `file_name` in the sha256sum-format pin list.
std::string PinFor(std::string_view file_name) {
  std::istringstream lines{std::string(internal::kModelPins)};
  std::string line;
  while (std::getline(lines, line)) {
    // "<64 hex>  <name>"; sha256sum's binary-mode marker '*' is tolerated.
    if (line.size() < 67) continue;
    std::string_view name = std::string_view(line).substr(66);
    if (!name.empty() && name.front() == '*') name.remove_prefix(1);
    if (name == file_name) return line.substr(0, 64);
  }
  return {};
}

}  // namespace

Status CheckModelFilePin(std::string_view file_name, std::span<const std::uint8_t> contents) {
  const std::string pinned = PinFor(file_name);
  if (pinned.empty()) {
    return Status::NotFound("model file " + std::string(file_name) +
                            " has no SHA-256 pin in matcher/model-files.sha256; refusing it");
  }
  const std::string actual = HexEncode(Sha256(contents));
  if (actual != pinned) {
    return Status::PermissionDenied(
        "model file " + std::string(file_name) + " has SHA-256 " + actual + " but " + pinned +
        " is pinned: the weights are corrupt, tampered with or from another package version. "
        "Refusing to load them; delete the models folder and run scripts/fetch-models");
  }
  return Status::Ok();
}

std::string ResolveModelDir(const std::string& dir) {
  namespace fs = std::filesystem;
  const std::string probe = std::string(kRecognitionModel) + "-weights_manifest.json";
  std::error_code ec;
  if (fs::exists(fs::path(dir) / probe, ec)) return dir;
  const fs::path nested = fs::path(dir) / std::string(kModelSubdir);
  if (fs::exists(nested / probe, ec)) return nested.string();
  return dir;
}

}  // namespace oversight::matcher
