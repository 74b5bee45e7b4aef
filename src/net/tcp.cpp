#include "net/tcp.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace gh::net {

void ignore_sigpipe() {
  static std::once_flag once;
  std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

void set_socket_timeouts(int fd, int seconds) {
  timeval tv{seconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Result<std::pair<int, int>> listen_tcp(const std::string& host, int port, int backlog) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || !res)
    return make_error("net.listen", "cannot resolve listen address " + host);
  int fd =
      ::socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, res->ai_protocol);
  int one = 1;
  if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || ::bind(fd, res->ai_addr, res->ai_addrlen) != 0 || ::listen(fd, backlog) != 0) {
    std::string why = std::strerror(errno);
    ::freeaddrinfo(res);
    if (fd >= 0) ::close(fd);
    return make_error("net.listen",
                      "cannot listen on " + host + ":" + std::to_string(port) + ": " + why);
  }
  ::freeaddrinfo(res);
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int bound = ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                               : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  return std::make_pair(fd, bound);
}

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0) ::close(fd);
  return port;
}

Result<int> tcp_connect(const std::string& host, int port, int timeout_s) {
  ignore_sigpipe();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string peer = peer_name(host, port);
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
      rc != 0 || !res)
    return make_error("net.resolve", "cannot resolve " + host + " (connecting to " + peer +
                                         "): " + (rc != 0 ? gai_strerror(rc) : "no address"));
  int fd = -1;
  int err = 0;
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    set_socket_timeouts(fd, timeout_s);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    // The reason worth telling: a refusal or a timeout from one address over another's error.
    if (err == 0 || errno == ECONNREFUSED || errno == ETIMEDOUT || errno == EINPROGRESS)
      err = errno;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd < 0) return make_error("net.connect", connect_failure(peer, err, timeout_s));
  return fd;
}

std::string peer_name(const std::string& host, int port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

std::string connect_failure(const std::string& peer, int err, int timeout_s) {
  switch (err) {
    case ECONNREFUSED:
      return "connection to " + peer + " refused (nothing listening there?)";
    // A blocking connect() past SO_SNDTIMEO fails with EINPROGRESS (or EAGAIN); the kernel's own
    // limit with ETIMEDOUT.
    case EINPROGRESS:
    case EAGAIN:
    case ETIMEDOUT:
      return "connection to " + peer + " timed out" +
             (timeout_s > 0 && err != ETIMEDOUT ? " after " + std::to_string(timeout_s) + " s"
                                                : std::string()) +
             " (no answer: host down or traffic dropped?)";
    case EHOSTUNREACH:
    case ENETUNREACH:
      return "cannot connect to " + peer + ": " + std::strerror(err) + " (no route)";
    case 0:
      return "cannot connect to " + peer + ": no usable address";
    default:
      return "cannot connect to " + peer + ": " + std::strerror(err);
  }
}

Result<std::pair<std::string, int>> parse_host_port(std::string_view text) {
  std::string t(text);
  if (t.rfind("tcp:", 0) == 0) t = t.substr(4);
  std::string host;
  std::string port;
  if (!t.empty() && t[0] == '[') {
    size_t close = t.find(']');
    if (close == std::string::npos || close + 1 >= t.size() || t[close + 1] != ':')
      return make_error("net.address", "expected [v6]:PORT, got " + std::string(text));
    host = t.substr(1, close - 1);
    port = t.substr(close + 2);
  } else {
    size_t colon = t.rfind(':');
    if (colon == std::string::npos || colon == 0)
      return make_error("net.address", "expected HOST:PORT, got " + std::string(text));
    host = t.substr(0, colon);
    port = t.substr(colon + 1);
  }
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 0 || p > 65535)
    return make_error("net.address", "bad port in " + std::string(text));
  return std::make_pair(host, static_cast<int>(p));
}

}  // namespace gh::net
