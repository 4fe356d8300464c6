// libFuzzer target: arbitrary bytes as a request case evaluated against every shipped pack.
// Parsing must reject bad input with a status; evaluation and explanation must never crash,
// and Explain must agree with Evaluate. Build and run with bench/policy_fuzz.sh, which sets
// OVERSIGHT_FUZZ_RULES_DIR to the rules/ directory.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "oversight/policy/case.h"
#include "oversight/policy/explain.h"
#include "oversight/policy/pack.h"

namespace {

std::vector<std::shared_ptr<const oversight::policy::CompiledPack>> LoadPacks() {
  std::vector<std::shared_ptr<const oversight::policy::CompiledPack>> packs;
  const char* dir = std::getenv("OVERSIGHT_FUZZ_RULES_DIR");
  if (!dir) std::abort();
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string path = entry.path().string();
    if (!path.ends_with(".json") || path.ends_with(".scenarios.json") ||
        path.ends_with(".sample.json")) {
      continue;
    }
    auto pack = oversight::policy::LoadPackFile(path);
    if (!pack.ok()) std::abort();  // shipped packs must compile
    packs.push_back(*pack);
  }
  return packs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace oversight::policy;
  static const auto packs = LoadPacks();
  auto json = ParseJsonc(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  if (!json.ok()) return 0;
  auto c = ParseCase(*json, "fuzz", oversight::TimePoint{});
  if (!c.ok()) return 0;
  for (const auto& pack : packs) {
    Decision d = pack->Evaluate(c->request, c->facts());
    Explanation ex = Explain(*pack, c->request, c->facts());
    if (ex.decision.allow != d.allow) __builtin_trap();
    if (d.allow && (d.permitting.empty() || !d.forbidding.empty())) __builtin_trap();
    (void)d.Reasons();
  }
  return 0;
}
