// The application runs as /bin/sh <app> --health in its own process group, so that a timeout
// kills whatever it started too; its stdout is read through a pipe while the deadline runs.
#include "device/app_run.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <string_view>
#include <vector>

#include "common/fs.h"
#include "device/firmware.h"

extern char** environ;

namespace gh::device {
namespace {

using Clock = std::chrono::steady_clock;

// Our environment without the two names, then them.
std::vector<std::string> child_env(const std::string& devdir, const std::string& version) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view v(*e);
    if (v.starts_with("GATEHOUSE_DEVICE_DIR=") || v.starts_with("GATEHOUSE_APP_VERSION=")) continue;
    env.emplace_back(v);
  }
  env.push_back("GATEHOUSE_DEVICE_DIR=" + devdir);
  env.push_back("GATEHOUSE_APP_VERSION=" + version);
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// In the forked child: only async-signal-safe calls until exec.
[[noreturn]] void exec_app(const std::string& devdir, char** argv, char** envp, int out_fd) {
  ::setpgid(0, 0);
  if (::chdir(devdir.c_str()) != 0) ::_exit(126);
  int null = ::open("/dev/null", O_RDWR);
  ::dup2(null, 0);
  ::dup2(out_fd, 1);
  ::dup2(null, 2);
  ::close_range(3, ~0U, 0);
  ::execve("/bin/sh", argv, envp);
  ::_exit(127);
}

// Appends what one read(2) of fd returns (up to the limit); false at end of file or, on a
// non-blocking fd, when nothing is left.
bool read_some(int fd, std::string& out) {
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n < 0) return errno == EINTR;
  if (n == 0) return false;
  size_t keep = std::min(static_cast<size_t>(n), kMaxAppOutputBytes - out.size());
  out.append(buf, keep);  // the rest is read and dropped, so that the app is never blocked
  return true;
}

int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

Result<AppRun> start_application(const std::string& devdir_in, int timeout_s) {
  // Absolute: the child changes into the directory before it opens the app.
  const std::string devdir = std::filesystem::absolute(devdir_in).lexically_normal().string();
  auto m = TRY(read_firmware(devdir));
  auto app = std::find_if(m.components.begin(), m.components.end(),
                          [](const FirmwareComponent& c) { return c.name == "app"; });
  if (app == m.components.end())
    return make_error("app.missing", "release " + m.version + " has no app component");
  std::string path = fs::join(devdir, "firmware/" + app->file);
  if (!fs::exists(path)) return make_error("app.missing", path + " is missing");

  std::vector<std::string> args{"/bin/sh", path, "--health"};
  std::vector<std::string> env = child_env(devdir, m.version);
  auto argv = pointers(args);
  auto envp = pointers(env);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return make_error("app.exec", "pipe");
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return make_error("app.exec", "fork");
  }
  if (pid == 0) exec_app(devdir, argv.data(), envp.data(), fds[1]);
  ::setpgid(pid, pid);  // as the child does: whichever runs first
  ::close(fds[1]);

  // Reads until the app exits (what a process it left behind writes later is not waited for)
  // or the deadline passes.
  AppRun run;
  run.version = m.version;
  std::string out;
  auto deadline = Clock::now() + std::chrono::seconds(std::max(timeout_s, 1));
  bool open = true;
  int status = 0;
  for (;;) {
    if (::waitpid(pid, &status, WNOHANG) == pid) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ::close(fds[0]);
      return make_error("app.timeout",
                        path + " ran longer than " + std::to_string(timeout_s) + " s; killed");
    }
    pollfd p{fds[0], POLLIN, 0};
    int wait_ms = static_cast<int>(std::min<int64_t>(left.count(), open ? 50 : 10));
    if (!open) {
      ::poll(nullptr, 0, wait_ms);
    } else if (::poll(&p, 1, wait_ms) > 0) {
      open = read_some(fds[0], out);
    }
  }
  // The app has exited: what it wrote is in the pipe already.
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  for (int i = 0; open && i < 64 && read_some(fds[0], out); ++i) {
  }
  ::close(fds[0]);
  run.exit_code = exit_code(status);
  run.healthy = run.exit_code == 0;
  run.first_line = out.substr(0, out.find('\n'));
  if (!run.first_line.empty() && run.first_line.back() == '\r') run.first_line.pop_back();
  return run;
}

}  // namespace gh::device
