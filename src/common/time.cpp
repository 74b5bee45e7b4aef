#include "common/time.h"

#include <chrono>
#include <cstdio>

namespace gh::time {
namespace {
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool digits(std::string_view s, size_t pos, size_t n, unsigned* out) {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  *out = v;
  return true;
}

Error bad(std::string_view text) {
  return make_error("time.format",
                    "not an RFC 3339 date-time: '" + std::string(text.substr(0, 64)) + "'");
}
}  // namespace

Seconds now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double monotonic() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Seconds from_civil(int year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                   unsigned second) {
  return days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
}

std::string format_rfc3339(Seconds t) {
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t rem = t - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  return buf;
}

Result<Seconds> parse_rfc3339(std::string_view s) {
  unsigned y, mo, d, h = 0, mi = 0, sec = 0;
  if (!digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, &mo) ||
      s[7] != '-' || !digits(s, 8, 2, &d))
    return bad(s);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return bad(s);
  if (s.size() == 10) return from_civil(static_cast<int>(y), mo, d);
  char sep = s[10];
  if (sep != 'T' && sep != 't' && sep != ' ') return bad(s);
  if (!digits(s, 11, 2, &h) || s.size() < 19 || s[13] != ':' || !digits(s, 14, 2, &mi) ||
      s[16] != ':' || !digits(s, 17, 2, &sec))
    return bad(s);
  if (h > 23 || mi > 59 || sec > 60) return bad(s);
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return bad(s);
  }
  if (pos >= s.size()) return bad(s);  // RFC 3339: the zone is required
  int64_t offset = 0;
  char z = s[pos];
  if (z == 'Z' || z == 'z') {
    ++pos;
  } else if (z == '+' || z == '-') {
    unsigned oh, om;
    if (!digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, &om) || oh > 23 || om > 59)
      return bad(s);
    offset = (z == '+' ? 1 : -1) * static_cast<int64_t>(oh * 3600 + om * 60);
    pos += 6;
  } else {
    return bad(s);
  }
  if (pos != s.size()) return bad(s);
  if (sec == 60) sec = 59;  // leap second: clamp
  return from_civil(static_cast<int>(y), mo, d, h, mi, sec) - offset;
}

}  // namespace gh::time
