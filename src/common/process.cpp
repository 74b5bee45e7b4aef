#include "common/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace gh::process {
namespace {

// In a forked child: stdout (and stderr) to the given descriptors (-1: /dev/null), then exec.
[[noreturn]] void exec_child(std::vector<std::string> args, int out_fd, int err_fd,
                             bool die_with_parent = false) {
  if (die_with_parent) ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  int null = ::open("/dev/null", O_RDWR);
  ::dup2(null, 0);
  ::dup2(out_fd >= 0 ? out_fd : null, 1);
  ::dup2(err_fd >= 0 ? err_fd : null, 2);
  // Nothing else crosses exec: a long-lived grandchild holding a caller's pipe would keep that
  // caller waiting for end-of-file.
  ::close_range(3, ~0U, 0);
  std::vector<char*> v;
  for (auto& a : args) v.push_back(a.data());
  v.push_back(nullptr);
  ::execvp(v[0], v.data());
  ::_exit(127);
}

// Forks argv with its stdout on a pipe (out_to_pipe) or /dev/null and stderr on err_fd (-1:
// /dev/null); returns the child and the pipe's read end.
Result<std::pair<pid_t, int>> fork_with_pipe(const std::vector<std::string>& args, bool out_to_pipe,
                                             int err_fd, bool err_to_pipe = false,
                                             bool die_with_parent = false) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return make_error("process.exec", "pipe");
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return make_error("process.exec", "fork");
  }
  if (pid == 0) {
    ::close(fds[0]);
    exec_child(args, out_to_pipe ? fds[1] : -1, err_to_pipe ? fds[1] : err_fd, die_with_parent);
  }
  ::close(fds[1]);
  return std::make_pair(pid, fds[0]);
}

}  // namespace

Result<Output> run(const std::vector<std::string>& argv_in) {
  if (argv_in.empty()) return make_error("process.exec", "nothing to run");
  auto [pid, fd] = TRY(fork_with_pipe(argv_in, true, -1));
  Output out;
  char buf[4096];
  ssize_t n;
  bool too_much = false;
  // What a child writes is kept up to kMaxOutputBytes; the rest is read and thrown away (so that
  // the child is not blocked) and the run refused.
  while ((n = ::read(fd, buf, sizeof buf)) > 0) {
    if (out.out.size() + static_cast<size_t>(n) > kMaxOutputBytes) too_much = true;
    if (!too_much) out.out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  out.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (out.exit_status == 127) return make_error("process.exec", argv_in[0] + " is not available");
  if (too_much)
    return make_error("process.output", argv_in[0] + " wrote more than " +
                                            std::to_string(kMaxOutputBytes >> 20) + " MiB");
  return out;
}

Result<Child> Child::start(const std::vector<std::string>& argv_in,
                           const std::string& wait_for_line, std::string* line_out) {
  auto [pid, fd] = TRY(fork_with_pipe(argv_in, !wait_for_line.empty(), 2));
  Child c;
  c.pid_ = pid;
  if (!wait_for_line.empty()) {
    std::string line;
    char ch;
    for (;;) {
      line.clear();
      bool got = false;
      while (::read(fd, &ch, 1) == 1) {
        got = true;
        if (ch == '\n') break;
        line += ch;
      }
      if (!got) {
        ::close(fd);
        return make_error("process.start",
                          argv_in[0] + " exited before saying '" + wait_for_line + "'");
      }
      if (line.find(wait_for_line) != std::string::npos) break;
    }
    if (line_out) *line_out = line;
  }
  ::close(fd);
  return c;
}

Child& Child::operator=(Child&& o) noexcept {
  if (this != &o) {
    stop();
    pid_ = o.pid_;
    o.pid_ = -1;
  }
  return *this;
}

void Child::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int st;
  ::waitpid(pid_, &st, 0);
  pid_ = -1;
}

double Child::cpu_s() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), {});
  if (all.rfind(')') == std::string::npos) return 0;
  std::istringstream rest(all.substr(all.rfind(')') + 2));
  std::string f;
  long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> f; ++i) {
    if (i == 14) utime = std::stoll(f);
    if (i == 15) stime = std::stoll(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double Child::peak_rss_mb() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

Result<pid_t> spawn_detached(const std::vector<std::string>& argv_in, const std::string& log_path) {
  if (argv_in.empty()) return make_error("process.exec", "nothing to run");
  std::vector<std::string> args = argv_in;
  pid_t pid = ::fork();
  if (pid < 0) return make_error("process.exec", "fork");
  if (pid == 0) {
    ::setsid();
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    exec_child(args, log, log);
  }
  return pid;
}

Result<Piped> start_piped(const std::vector<std::string>& argv) {
  if (argv.empty()) return make_error("process.exec", "nothing to run");
  auto [pid, fd] = TRY(fork_with_pipe(argv, true, -1, true, true));
  return Piped{pid, fd};
}

bool running(pid_t pid, const std::string& needle) {
  if (pid <= 1 || ::kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size() || text[close + 2] == 'Z')
    return false;
  std::ifstream cmd("/proc/" + std::to_string(pid) + "/cmdline");
  std::string line((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
  return line.find(needle) != std::string::npos;
}

double self_cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace gh::process
