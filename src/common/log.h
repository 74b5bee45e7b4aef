// Leveled logging to stderr. Secrets never reach here: keys, PSKs and PINs are held in types
// (crypto::PrivateKey, SecretString) that have no text form.
#pragma once

#include <string>
#include <string_view>

namespace gh::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

void set_level(Level level);
Level level();
// Parses "debug", "info", "warn", "error", "off".
bool parse_level(std::string_view text, Level* out);

// One line to stderr. Bounded whatever a peer makes the code log: each component writes at most
// a burst of 500 lines, then 100 a second (the lines over it are counted, and their number said in
// a line of its own when the component may write again); a message is cut after 4 KiB.
void write(Level level, std::string_view component, std::string_view message);

inline void debug(std::string_view c, std::string_view m) {
  write(Level::kDebug, c, m);
}
inline void info(std::string_view c, std::string_view m) {
  write(Level::kInfo, c, m);
}
inline void warn(std::string_view c, std::string_view m) {
  write(Level::kWarn, c, m);
}
inline void error(std::string_view c, std::string_view m) {
  write(Level::kError, c, m);
}

}  // namespace gh::log

namespace gh {
// A string that must never be printed: no operator<<, no implicit conversion.
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string value) : value_(std::move(value)) {}
  SecretString(const SecretString&) = default;
  SecretString& operator=(const SecretString&) = default;
  ~SecretString();
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};
}  // namespace gh
