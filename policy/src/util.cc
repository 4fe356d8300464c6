#include "util.h"

#include <cstdint>

namespace oversight::policy::internal {

std::optional<std::chrono::seconds> ParseDuration(std::string_view text) {
  constexpr std::int64_t kMax = 100LL * 366 * 86400;
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t n = 0;
    std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + (text[i] - '0');
      if (n > kMax) return std::nullopt;
      ++i;
    }
    if (i == start || i == text.size()) return std::nullopt;
    std::int64_t unit = 0;
    switch (text[i++]) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      case 'w':
        unit = 7 * 86400;
        break;
      default:
        return std::nullopt;
    }
    total += n * unit;
    if (total > kMax) return std::nullopt;
  }
  return std::chrono::seconds(total);
}

std::string FormatDuration(std::chrono::nanoseconds d) {
  bool negative = d.count() < 0;
  auto s = std::chrono::duration_cast<std::chrono::seconds>(negative ? -d : d).count();
  std::string body;
  const std::pair<std::int64_t, char> units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
  for (auto [size, name] : units) {
    if (s >= size) {
      body.append(std::to_string(s / size));
      body.push_back(name);
      s %= size;
    }
  }
  if (body.empty()) return "0s";
  return negative ? "-" + body : body;
}

std::optional<std::int64_t> WholeNumber(double d, double lo, double hi) {
  if (!(d >= lo && d <= hi) || d > 9e15 || d < -9e15) return std::nullopt;  // NaN fails too
  auto i = static_cast<std::int64_t>(d);
  if (static_cast<double>(i) != d) return std::nullopt;
  return i;
}

bool GlobMatch(std::string_view s, std::string_view p) {
  std::size_t si = 0, pi = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) {
      ++si, ++pi;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++, mark = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1, si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace oversight::policy::internal
