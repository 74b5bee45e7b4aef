// How long work tells its caller how far it has come (the CLI draws it on a terminal).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace gh {

// phase: what is being done ("making devices", "onboarding"); done of total units. Called from
// any thread; an empty function is never called.
using ProgressFn = std::function<void(std::string_view phase, int64_t done, int64_t total)>;

}  // namespace gh
