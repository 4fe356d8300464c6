// libFuzzer target: arbitrary bytes as a rule pack. Compiling and linting must never crash,
// hang or leak, and a pack that compiles must evaluate an empty request.
// Build and run with bench/policy_fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oversight/policy/lint.h"
#include "oversight/policy/pack.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace oversight::policy;
  CompileResult r = CompilePack(text, "fuzz.json");
  if (r.pack) {
    if (!r.diagnostics.empty() && HasErrors(r.diagnostics)) __builtin_trap();  // loaded with errors
    RequestDoc empty;
    (void)r.pack->Evaluate(empty, {});
    (void)AnalyzePack(*r.pack);
  } else if (!HasErrors(r.diagnostics)) {
    __builtin_trap();  // rejected without saying why
  }
  return 0;
}
