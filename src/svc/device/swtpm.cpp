#include "svc/device/swtpm.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>
#include <tuple>
#include <vector>

#include "common/fs.h"
#include "net/http.h"

namespace gh::svc {
namespace {

// A TCP socket on 127.0.0.1:port: bound (and listening when backlog > 0) or connected; -1 when
// that fails.
int loopback_socket(int port, bool connect, int backlog = 0) {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  auto* addr = reinterpret_cast<sockaddr*>(&a);
  bool ok = connect ? ::connect(s, addr, sizeof a) == 0
                    : ::bind(s, addr, sizeof a) == 0 && (backlog == 0 || ::listen(s, backlog) == 0);
  if (!ok) {
    ::close(s);
    return -1;
  }
  return s;
}

bool port_free(int port) {
  int s = loopback_socket(port, false);
  if (s >= 0) ::close(s);
  return s >= 0;
}

int connect_to(int port) {
  return loopback_socket(port, true);
}

bool can_connect(int port) {
  int s = connect_to(port);
  if (s >= 0) ::close(s);
  return s >= 0;
}

int listen_on(int port) {
  return loopback_socket(port, false, 8);
}

bool read_exact(int fd, uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool write_all(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// A TPM 2.0 command or response: tag(2) size(4, big-endian, the whole message) code(4) ...
constexpr size_t kHeader = 10, kMaxMessage = 8192;
bool read_message(int fd, std::vector<uint8_t>& m) {
  m.resize(kHeader);
  if (!read_exact(fd, m.data(), kHeader)) return false;
  size_t size = (size_t{m[2]} << 24) | (size_t{m[3]} << 16) | (size_t{m[4]} << 8) | m[5];
  if (size < kHeader || size > kMaxMessage) return false;
  m.resize(size);
  return read_exact(fd, m.data() + kHeader, size - kHeader);
}

// The broker's bounds: a device has a handful of TPM users (its keystore, its attester, a tool).
constexpr size_t kMaxClients = 16;

}  // namespace

// One client's command to swtpm and its response back; false when either side is gone. A command
// is sent at most once (a second try only when the first could not be written: sending it again
// after that could extend a PCR twice).
bool Swtpm::relay_command(int client) {
  std::vector<uint8_t> m;
  if (!read_message(client, m)) return false;
  bool sent = false;
  for (int attempt = 0; attempt < 2 && !sent; ++attempt) {
    if (upstream_ < 0) upstream_ = connect_to(upstream_port_);
    if (upstream_ < 0) return false;
    sent = write_all(upstream_, m.data(), m.size());
    if (!sent) {
      ::close(upstream_);
      upstream_ = -1;
    }
  }
  std::vector<uint8_t> r;
  if (!sent || !read_message(upstream_, r)) {
    if (upstream_ >= 0) ::close(upstream_);
    upstream_ = -1;
    return false;
  }
  return write_all(client, r.data(), r.size());
}

// One thread, poll: command clients get whole commands relayed in turn; control-channel clients
// (the TCTI sets its locality there) are piped to swtpm's control port as they are.
void Swtpm::broker() {
  struct Conn {
    int fd;
    int peer;  // control pipes: the upstream control socket; -1 for command clients
  };
  std::vector<Conn> conns;
  auto drop = [&](size_t i) {
    ::close(conns[i].fd);
    if (conns[i].peer >= 0) ::close(conns[i].peer);
    conns.erase(conns.begin() + static_cast<long>(i));
  };
  for (;;) {
    std::vector<pollfd> fds{
        {wake_[0], POLLIN, 0}, {listen_[0], POLLIN, 0}, {listen_[1], POLLIN, 0}};
    for (const auto& c : conns) {
      fds.push_back({c.fd, POLLIN, 0});
      if (c.peer >= 0) fds.push_back({c.peer, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents) break;
    size_t at = 3;
    std::vector<size_t> gone;
    for (size_t i = 0; i < conns.size(); ++i) {
      short client_ev = fds[at++].revents;
      short peer_ev = conns[i].peer >= 0 ? fds[at++].revents : 0;
      bool ok = true;
      if (conns[i].peer < 0) {
        if (client_ev) ok = relay_command(conns[i].fd);
      } else {
        uint8_t buf[4096];
        for (auto [from, to, ev] : {std::tuple{conns[i].fd, conns[i].peer, client_ev},
                                    std::tuple{conns[i].peer, conns[i].fd, peer_ev}}) {
          if (!ok || !ev) continue;
          ssize_t n = ::read(from, buf, sizeof buf);
          ok = n > 0 && write_all(to, buf, static_cast<size_t>(n));
        }
      }
      if (!ok) gone.push_back(i);
    }
    for (auto it = gone.rbegin(); it != gone.rend(); ++it) drop(*it);
    // New clients last: fds describes the connections as they were when poll returned.
    for (int l = 0; l < 2; ++l)
      if (fds[1 + l].revents & POLLIN) {
        int c = ::accept4(listen_[l], nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        // A client that stops halfway through a command must not hold the TPM for the others.
        timeval limit{5, 0};
        ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        int peer = -1;
        if (l == 1 && (peer = connect_to(upstream_port_ + 1)) < 0) {
          ::close(c);
          continue;
        }
        if (conns.size() >= kMaxClients) {
          ::close(c);
          if (peer >= 0) ::close(peer);
          continue;
        }
        conns.push_back({c, peer});
      }
  }
  while (!conns.empty()) drop(conns.size() - 1);
}

Result<std::unique_ptr<Swtpm>> Swtpm::start(const std::string& state_dir) {
  TRY(fs::make_dirs(state_dir, 0700));
  int port = 0;
  for (int tries = 0; tries < 50 && !port; ++tries) {
    int p = net::free_loopback_port();
    if (p > 0 && p < 65535 && port_free(p + 1)) port = p;
  }
  if (!port) return make_error("swtpm.port", "no free loopback port pair for swtpm");
  std::unique_ptr<Swtpm> t(new Swtpm());
  t->upstream_port_ = port;
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
    if (can_connect(port)) {
      if (!t->start_broker())
        return make_error("swtpm.broker", "no free loopback port pair for the TPM broker");
      return t;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return make_error("swtpm.start", "swtpm did not start listening within 2 s");
}

bool Swtpm::start_broker() {
  for (int tries = 0; tries < 50 && port_ == 0; ++tries) {
    int p = net::free_loopback_port();
    if (p <= 0 || p >= 65535) continue;
    listen_[0] = listen_on(p);
    listen_[1] = listen_[0] >= 0 ? listen_on(p + 1) : -1;
    if (listen_[1] >= 0) {
      port_ = p;
    } else if (listen_[0] >= 0) {
      ::close(listen_[0]);
      listen_[0] = -1;
    }
  }
  if (port_ == 0 || ::pipe2(wake_, O_CLOEXEC) != 0) return false;
  thread_ = std::thread([this] { broker(); });
  return true;
}

Status Swtpm::stop() {
  // An orderly TPM2_Shutdown(TPM_SU_CLEAR) first, as a platform does before power-off: otherwise
  // the next start is a power loss to the TPM (its clock unsafe, its dictionary-attack counter
  // incremented until it locks out).
  if (thread_.joinable()) {
    int s = connect_to(port_);
    if (s >= 0) {
      const uint8_t shutdown[] = {0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x45, 0, 0};
      std::vector<uint8_t> r;
      if (write_all(s, shutdown, sizeof shutdown)) (void)read_message(s, r);
      ::close(s);
    }
  }
  if (thread_.joinable()) {
    (void)!::write(wake_[1], "x", 1);
    thread_.join();
  }
  for (int* fd : {&listen_[0], &listen_[1], &wake_[0], &wake_[1], &upstream_})
    if (*fd >= 0) {
      ::close(*fd);
      *fd = -1;
    }
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
