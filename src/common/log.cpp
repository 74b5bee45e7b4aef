#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "common/time.h"

namespace gh::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::mutex g_mutex;
const char* name(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    default:
      return "off";
  }
}
}  // namespace

void set_level(Level level) {
  g_level = static_cast<int>(level);
}
Level level() {
  return static_cast<Level>(g_level.load());
}

bool parse_level(std::string_view text, Level* out) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kOff}) {
    if (text == name(l)) {
      *out = l;
      return true;
    }
  }
  return false;
}

void write(Level l, std::string_view component, std::string_view message) {
  if (static_cast<int>(l) < g_level.load()) return;
  std::string line = time::format_rfc3339(time::now()) + " " + name(l) + " " +
                     std::string(component) + ": " + std::string(message) + "\n";
  std::lock_guard<std::mutex> lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace gh::log

namespace gh {
SecretString::~SecretString() {
  // Best effort wipe; std::string may have reallocated before, which we cannot reach.
  volatile char* p = value_.data();
  for (size_t i = 0; i < value_.size(); ++i) p[i] = 0;
}
}  // namespace gh
