// Lint: compile errors plus static checks that catch rules which do not mean what their author
// intended. Findings:
//   errors   - everything CompilePack reports (syntax, unknown fields and paths, type
//              mismatches, unknown enum values, duplicate ids)
//   warnings - "never-matches": a condition that can never be true (e.g. mode equals
//              real_time and equals retrospective);
//              "shadowed": a permit that can never take effect because a forbid matches
//              whenever it does (including a forbid that matches every request);
//              "no-permit": a pack without permit rules denies everything.
// The analysis is conservative: it reports only what it can prove, and misses some cases.
#pragma once

#include <string>
#include <vector>

#include "oversight/policy/diagnostic.h"
#include "oversight/policy/pack.h"

namespace oversight::policy {

// Lints pack text; diagnostics in source order of discovery.
std::vector<Diagnostic> LintPack(std::string_view text, std::string_view source);
std::vector<Diagnostic> LintPackFile(const std::string& path);

// Just the static checks, over an already compiled pack.
std::vector<Diagnostic> AnalyzePack(const CompiledPack& pack);

}  // namespace oversight::policy
