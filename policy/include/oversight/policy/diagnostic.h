// Diagnostic: one positioned finding about a rule pack (compile error or lint warning).
#pragma once

#include <string>
#include <vector>

#include "oversight/policy/jsonc.h"

namespace oversight::policy {

struct Diagnostic {
  enum class Severity { kError, kWarning };
  std::string source;  // file name as given
  JsonPos pos;
  Severity severity = Severity::kError;
  std::string code;     // stable kebab-case id, e.g. "type-mismatch", "unknown-path"
  std::string message;  // plain language, says how to fix it where possible

  // "baseline.json:12:7: error [type-mismatch]: ..."
  std::string ToString() const;
};

bool HasErrors(const std::vector<Diagnostic>& diagnostics);

}  // namespace oversight::policy
