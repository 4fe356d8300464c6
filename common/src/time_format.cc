#include "oversight/common/time_format.h"

#include <cstdio>

namespace oversight {
namespace {

using std::chrono::days;

constexpr int kMinYear = 1900;
constexpr int kMaxYear = 2200;
using std::chrono::sys_days;

bool Digits(std::string_view s, std::size_t pos, std::size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

Status Bad(std::string_view text) {
  return Status::InvalidArgument("not an RFC 3339 timestamp: \"" + std::string(text.substr(0, 40)) +
                                 "\"");
}

}  // namespace

std::string FormatRfc3339Millis(TimePoint t) {
  auto ms = std::chrono::floor<std::chrono::milliseconds>(t);
  auto day = std::chrono::floor<days>(ms);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss hms{ms - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                int(hms.minutes().count()), int(hms.seconds().count()),
                int(hms.subseconds().count()));
  return buf;
}

StatusOr<TimePoint> ParseRfc3339(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (!Digits(s, 0, 4, &y) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
      !Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' ||
      !Digits(s, 17, 2, &sec)) {
    return Bad(s);
  }
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(unsigned(mo)),
                                  std::chrono::day(unsigned(d))};
  // TimePoint counts nanoseconds in 64 bits (about 1678..2262); stay well inside that range.
  if (y < kMinYear || y > kMaxYear) {
    return Status::InvalidArgument("timestamp year " + std::to_string(y) + " is outside " +
                                   std::to_string(kMinYear) + ".." + std::to_string(kMaxYear));
  }
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return Bad(s);
  std::size_t pos = 19;
  std::int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    std::int64_t scale = 100000000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      nanos += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return Bad(s);
  }
  int offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return Bad(s);
    }
    offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return Bad(s);
  }
  if (pos != s.size()) return Bad(s);
  // A leap second (:60) is folded into the next second, as POSIX time does.
  auto t = sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
           std::chrono::seconds(sec) - std::chrono::minutes(offset_min);
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(t.time_since_epoch()) +
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(nanos)));
}

}  // namespace oversight
