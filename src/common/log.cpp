#include "common/log.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
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

namespace {
// What a peer can make the log hold: each component's lines pass a token bucket (a burst of
// kBurst, then kPerSecond), the lines over it are counted and their number said once the
// component may write again; a message is cut at kMaxMessage bytes. Components are the code's
// own names; past kMaxComponents distinct ones, the rest share one bucket.
constexpr double kBurst = 500, kPerSecond = 100;
constexpr size_t kMaxMessage = 4096, kMaxComponents = 64;
struct Bucket {
  double tokens = kBurst;
  double at = 0;
  uint64_t dropped = 0;
};
std::map<std::string, Bucket, std::less<>> g_buckets;  // under g_mutex

void emit(Level l, std::string_view component, std::string_view message) {
  std::string line = time::format_rfc3339(time::now()) + " " + name(l) + " " +
                     std::string(component) + ": " + std::string(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}
}  // namespace

void write(Level l, std::string_view component, std::string_view message) {
  if (static_cast<int>(l) < g_level.load()) return;
  std::string cut;
  if (message.size() > kMaxMessage) {
    cut = std::string(message.substr(0, kMaxMessage)) + "... (" +
          std::to_string(message.size() - kMaxMessage) + " more bytes)";
    message = cut;
  }
  const double now = time::monotonic();
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = g_buckets.find(component);
  if (it == g_buckets.end()) {
    std::string key = g_buckets.size() < kMaxComponents ? std::string(component) : "*";
    it = g_buckets.try_emplace(key, Bucket{kBurst, now, 0}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::min(kBurst, b.tokens + (now - b.at) * kPerSecond);
  b.at = now;
  if (b.tokens < 1) {
    ++b.dropped;
    return;
  }
  b.tokens -= 1;
  if (b.dropped) {
    emit(Level::kWarn, "log",
         std::to_string(b.dropped) + " lines of " + it->first + " left out (more than " +
             std::to_string(static_cast<int>(kPerSecond)) + " a second)");
    b.dropped = 0;
  }
  emit(l, component, message);
}

}  // namespace gh::log

namespace gh {
SecretString::~SecretString() {
  // Best effort wipe; std::string may have reallocated before, which we cannot reach.
  volatile char* p = value_.data();
  for (size_t i = 0; i < value_.size(); ++i) p[i] = 0;
}
}  // namespace gh
