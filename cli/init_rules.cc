// `oversight init`, step rules/: a copy of the chosen rule pack and its scenario file.
//
// The shipped packs live in the source tree's rules/. The executable finds them the way a
// developer runs it: $OVERSIGHT_RULES_DIR if set, else the nearest rules/ (holding
// baseline.json) in a directory above the executable (build*/cli/oversight sits two levels
// below the source root), else ./rules. A path given to --rules bypasses all of this.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "init_steps.h"
#include "oversight/common/key_file.h"
#include "oversight/policy/pack.h"

namespace oversight::cli::init {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxLevelsAboveExecutable = 4;

fs::path ExecutableDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

// A pack name ("baseline") names a shipped pack; anything with a '/' or ending in .json is a
// path to a pack file.
bool IsPackName(const std::string& arg) {
  return arg.find('/') == std::string::npos && !arg.ends_with(".json");
}

Status CopyFile(const std::string& from, const std::string& to) {
  OVERSIGHT_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(from));
  return WriteFileAtomically(to, text, 0644);
}

}  // namespace

std::string DefaultRulesDir() {
  if (const char* env = std::getenv("OVERSIGHT_RULES_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  fs::path dir = ExecutableDir();
  for (int level = 0; level <= kMaxLevelsAboveExecutable && !dir.empty(); ++level) {
    std::error_code ec;
    if (fs::is_regular_file(dir / "rules" / "baseline.json", ec)) return (dir / "rules").string();
    if (dir == dir.parent_path()) break;
    dir = dir.parent_path();
  }
  return "rules";
}

Status CopyRules(const std::string& pack_arg, Report* report, std::string* pack_path) {
  const std::string source =
      IsPackName(pack_arg) ? DefaultRulesDir() + "/" + pack_arg + ".json" : pack_arg;
  // A pack that does not compile would only fail later, at `oversight serve`.
  StatusOr<std::shared_ptr<const policy::CompiledPack>> pack = policy::LoadPackFile(source);
  if (!pack.ok()) {
    return pack.status().WithContext(
        "--rules " + pack_arg +
        (IsPackName(pack_arg) ? " (looked in " + DefaultRulesDir() + "; set $OVERSIGHT_RULES_DIR)"
                              : ""));
  }
  OVERSIGHT_RETURN_IF_ERROR(MakeDir(report->Path("rules"), 0755));
  const std::string name = fs::path(source).filename().string();
  *pack_path = report->Path("rules/" + name);
  OVERSIGHT_RETURN_IF_ERROR(CopyFile(source, *pack_path));
  report->Add("rules/" + name, "rule pack (copied from " + source + ")", false);
  // baseline.json -> baseline.scenarios.json, which names its pack relative to itself.
  const std::string stem = fs::path(source).stem().string();
  const fs::path scenarios = fs::path(source).parent_path() / (stem + ".scenarios.json");
  std::error_code ec;
  if (fs::is_regular_file(scenarios, ec)) {
    OVERSIGHT_RETURN_IF_ERROR(
        CopyFile(scenarios.string(), report->Path("rules/" + stem + ".scenarios.json")));
    report->Add("rules/" + stem + ".scenarios.json",
                "its scenarios (oversight rules test rules/" + stem + ".scenarios.json)", false);
  }
  return Status::Ok();
}

}  // namespace oversight::cli::init
