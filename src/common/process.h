// Running other programs (zbarimg, wpa_cli, our own servers): argument vectors, never a shell.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.h"

namespace gh::process {

struct Output {
  int exit_status = -1;  // -1 when killed by a signal
  std::string out;       // standard output
};

// What run() keeps of a child's standard output.
inline constexpr size_t kMaxOutputBytes = 16u << 20;
// Runs argv[0] (looked up in PATH) to completion, its stderr discarded; refuses
// ("process.exec") when it cannot start, and ("process.output") when it writes more than
// kMaxOutputBytes.
Result<Output> run(const std::vector<std::string>& argv);

// A child process that runs until stop() or destruction (SIGTERM, then wait).
class Child {
 public:
  // Starts argv. With wait_for_line, reads its stdout up to the first line containing that text
  // and returns the line (e.g. "listening on"); the rest of stdout goes to /dev/null otherwise.
  static Result<Child> start(const std::vector<std::string>& argv, const std::string& wait_for_line,
                             std::string* line_out);
  Child() = default;
  Child(Child&& o) noexcept : pid_(o.pid_) { o.pid_ = -1; }
  Child& operator=(Child&& o) noexcept;
  Child(const Child&) = delete;
  ~Child() { stop(); }
  void stop();
  pid_t pid() const { return pid_; }
  // User+system CPU seconds so far and peak resident memory, from /proc.
  double cpu_s() const;
  double peak_rss_mb() const;

 private:
  pid_t pid_ = -1;
};

// Starts argv in its own session, stdout and stderr appended to log_path, and does not wait: for
// long-running services another command stops later (by pid).
Result<pid_t> spawn_detached(const std::vector<std::string>& argv, const std::string& log_path);

// Starts argv with its stdout and stderr on a pipe (the read end returned, the caller closes it);
// the child gets SIGTERM when this process ends, so a supervisor's child never outlives it.
struct Piped {
  pid_t pid = -1;
  int fd = -1;
};
Result<Piped> start_piped(const std::vector<std::string>& argv);

// A running process (not a zombie: in a container PID 1 may not reap) whose command line contains
// needle: "is the service I started still the one at this pid?".
bool running(pid_t pid, const std::string& needle);

// This process's own user+system CPU seconds.
double self_cpu_s();

}  // namespace gh::process
