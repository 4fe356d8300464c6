// The directory of the rule pack in force, as the console's policy analysts may read it: which
// files may be served, and their text. Only rule packs and scenario files are ever served,
// however the directory is shared (a deployment may keep 0600 secrets beside its pack).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "oversight/common/status.h"

namespace oversight::proxy {

inline constexpr std::size_t kMaxPackFileBytes = 1u << 20;
inline constexpr std::size_t kMaxPackFileName = 128;
inline constexpr std::string_view kScenariosSuffix = ".scenarios.json";

// A plain file name: letters, digits, '.', '_' and '-', not starting with '.', ending .json,
// at most kMaxPackFileName bytes. So no '/', no "..", nothing to decode, nothing hidden.
bool IsPackFileName(std::string_view name);

struct PackDirectoryFile {
  std::string name;
  std::string path;  // dir/name
  std::string text;
  bool scenarios = false;  // NAME.scenarios.json; otherwise a rule pack
};

// The absolute directory holding `rule_pack_path`.
StatusOr<std::string> PackDirectoryOf(const std::string& rule_pack_path);

// Reads `name` from `dir` if it may be served: a regular file (not a link) that others on the
// machine may read, at most kMaxPackFileBytes, that parses as a rule pack (a JSON object with a
// "rules" array) or a scenario file (NAME.scenarios.json with a "scenarios" array).
// InvalidArgument for a bad name or a file that may not be served; NotFound if there is none.
StatusOr<PackDirectoryFile> ReadPackDirectoryFile(const std::string& dir, std::string_view name);

// Every file of `dir` that may be served, by name; at most `max_files` names are considered.
StatusOr<std::vector<PackDirectoryFile>> ReadPackDirectory(const std::string& dir,
                                                           std::size_t max_files);

}  // namespace oversight::proxy
