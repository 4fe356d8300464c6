#include "temp_dir.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace oversight::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "oversight-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Write(const std::string& name, const std::string& text) const {
  std::string p = File(name);
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

}  // namespace oversight::testing
