#include "svc/device/swtpm.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "common/fs.h"
#include "net/http.h"

namespace gh::svc {
namespace {

bool port_free(int port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(s);
  return ok;
}

bool can_connect(int port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(s);
  return ok;
}

}  // namespace

Result<std::unique_ptr<Swtpm>> Swtpm::start(const std::string& state_dir) {
  TRY(fs::make_dirs(state_dir, 0700));
  int port = 0;
  for (int tries = 0; tries < 50 && !port; ++tries) {
    int p = net::free_loopback_port();
    if (p > 0 && p < 65535 && port_free(p + 1)) port = p;
  }
  if (!port) return make_error("swtpm.port", "no free loopback port pair for swtpm");
  std::unique_ptr<Swtpm> t(new Swtpm());
  t->port_ = port;
  std::vector<std::string> args = {
      "swtpm",
      "socket",
      "--tpm2",
      "--tpmstate",
      "dir=" + state_dir,
      "--server",
      "type=tcp,port=" + std::to_string(port) + ",bindaddr=127.0.0.1",
      "--ctrl",
      "type=tcp,port=" + std::to_string(port + 1) + ",bindaddr=127.0.0.1",
      "--flags",
      "not-need-init,startup-clear"};
  pid_t pid = ::fork();
  if (pid < 0) return make_error("swtpm.start", "fork failed");
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp("swtpm", argv.data());
    ::_exit(127);
  }
  t->pid_ = pid;
  for (int i = 0; i < 200; ++i) {
    int status;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      t->pid_ = -1;
      return make_error("swtpm.start", "swtpm exited at start (is the swtpm package installed?)");
    }
    if (can_connect(port)) return t;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return make_error("swtpm.start", "swtpm did not start listening within 2 s");
}

Status Swtpm::stop() {
  if (pid_ <= 0) return ok_status();
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return ok_status();
}

Swtpm::~Swtpm() {
  (void)stop();
}

}  // namespace gh::svc
