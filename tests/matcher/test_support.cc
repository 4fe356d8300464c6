#include "test_support.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "oversight/matcher/model_files.h"

namespace oversight::matcher::testing {

std::optional<std::string> FindModelDir(std::string* why) {
  const char* env = std::getenv("OVERSIGHT_MODELS_DIR");
  const std::string base = env && *env ? env : OVERSIGHT_DEFAULT_MODELS_DIR;
  const std::string dir = ResolveModelDir(base);
  const auto probe = std::filesystem::path(dir) / (std::string(kRecognitionModel) + ".bin");
  if (std::filesystem::exists(probe)) return dir;
  *why = "no " + probe.string();
  return std::nullopt;
}

std::optional<std::string> FindDemoDir() {
  std::string why;
  auto dir = FindModelDir(&why);
  if (!dir) return std::nullopt;
  const auto demo = std::filesystem::path(*dir).parent_path() / "demo";
  if (!std::filesystem::exists(demo / "sample1.jpg")) return std::nullopt;
  return demo.string();
}

std::string FixturePath(const std::string& name) {
  return std::string(OVERSIGHT_FIXTURES_DIR) + "/" + name;
}

std::vector<std::uint8_t> ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<float> ReadFloats(const std::string& path) {
  const std::vector<std::uint8_t> bytes = ReadFileBytes(path);
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

}  // namespace oversight::matcher::testing
