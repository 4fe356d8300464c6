// Private helpers shared by the compiler, scenario reader and tools.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oversight::policy::internal {

// "90s", "60m", "24h", "30d", "1d12h": a sequence of <digits><unit>, units s m h d w.
// nullopt if malformed or longer than 100 years.
std::optional<std::chrono::seconds> ParseDuration(std::string_view text);

// "1d12h", the inverse of ParseDuration (largest units first; "0s" for zero).
std::string FormatDuration(std::chrono::nanoseconds d);

// `d` as an integer if it is a whole number in [lo, hi]; nullopt otherwise. Never casts an
// out-of-range double (which would be undefined behaviour).
std::optional<std::int64_t> WholeNumber(double d, double lo, double hi);

// Glob match: '*' any run, '?' one byte, everything else literal. O(|s|·|pattern|) worst case.
bool GlobMatch(std::string_view s, std::string_view pattern);

}  // namespace oversight::policy::internal
