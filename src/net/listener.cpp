#include "net/listener.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "common/time.h"
#include "net/tcp.h"

namespace gh::net {
namespace {

std::string address_of(const sockaddr_storage& a) {
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (a.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
    ::inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
    port = ntohs(v4->sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
    port = ntohs(v6->sin6_port);
    return "[" + std::string(host) + "]:" + std::to_string(port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

}  // namespace

Result<TcpListener> TcpListener::open(const std::string& host, int port) {
  ignore_sigpipe();
  // A short queue: one exchange is served at a time.
  auto [fd, bound] = TRY(listen_tcp(host, port, 16));
  return TcpListener(fd, bound);
}

TcpListener::~TcpListener() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::optional<Accepted>> TcpListener::accept_until(double deadline) {
  for (;;) {
    double left = deadline - time::monotonic();
    if (left <= 0) return std::optional<Accepted>();
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::ceil(left * 1000)));
    if (r < 0 && errno != EINTR) return make_error("net.accept", std::strerror(errno));
    if (r <= 0) continue;
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_CLOEXEC);
    if (fd >= 0) return std::optional<Accepted>(Accepted{fd, address_of(addr)});
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      ::poll(nullptr, 0, 100);  // out of descriptors or memory: the queue waits, we do not spin
      continue;
    }
    // EAGAIN (another process took it), ECONNABORTED, EINTR, a network error: the next one.
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED && errno != EINTR &&
        errno != EPROTO && errno != ENETDOWN && errno != EHOSTUNREACH && errno != ENETUNREACH)
      return make_error("net.accept", std::strerror(errno));
  }
}

}  // namespace gh::net
