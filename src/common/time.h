// Time as Unix seconds (UTC). RFC 3339 written strictly with 'Z', read leniently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace gh::time {

using Seconds = int64_t;  // seconds since 1970-01-01T00:00:00Z

Seconds now();
// Monotonic clock in seconds, with sub-second precision, for measuring durations.
double monotonic();

// "2026-11-23T03:41:06Z".
std::string format_rfc3339(Seconds t);
// Accepts fractions, numeric offsets, lowercase 't'/'z', a space instead of 'T', and a bare date
// (midnight UTC). Refuses anything else with error code "time.format".
Result<Seconds> parse_rfc3339(std::string_view text);

// Civil-date helpers, valid for years 0..9999.
Seconds from_civil(int year, unsigned month, unsigned day, unsigned hour = 0, unsigned minute = 0,
                   unsigned second = 0);

}  // namespace gh::time
