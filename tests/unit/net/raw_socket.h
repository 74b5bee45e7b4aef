// Plain sockets for the server tests: connections from a chosen loopback address that send
// nothing or a trickle, a wait for the server to close one, and a TLS client that reads a
// streamed answer as it arrives.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "crypto/tls.h"

namespace gh::net::testing {

// A blocking TCP connection to 127.0.0.1:port from source (any 127/8 address is local); -1 if
// it fails.
inline int raw_connect(int port, const std::string& source = "127.0.0.1") {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Has the peer closed fd (end of stream or reset) within timeout?
inline bool closed_within(int fd, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, left.count() > 0 ? static_cast<int>(left.count()) : 0) <= 0) return false;
    char c;
    ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return true;
    if (n > 0) {  // data (a TLS alert, a response): read past it
      char buf[4096];
      (void)!::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    }
    if (left.count() <= 0) return false;
  }
}

// Polls pred every 10 ms until it holds or timeout passes.
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// One request over TLS, its answer read as it comes (no HTTP parsing: the bytes as sent).
class StreamReader {
 public:
  // Connects to 127.0.0.1:port and sends request; false if either fails.
  bool open(int port, const crypto::TlsContext& tls, const std::string& request,
            int receive_buffer = 0) {
    fd_ = raw_connect(port);
    if (fd_ < 0) return false;
    if (receive_buffer > 0)
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    auto c = crypto::TlsConnection::connect(tls, fd_, "");  // owns fd_ from here either way
    if (!c) return false;
    conn_.emplace(std::move(*c));
    return conn_->write(reinterpret_cast<const uint8_t*>(request.data()), request.size()).ok();
  }
  // Reads until the text read holds needle (after from), the server closes or timeout passes.
  bool read_until(const std::string& needle, std::chrono::milliseconds timeout, size_t from = 0) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (text.find(needle, from) == std::string::npos) {
      if (ended || std::chrono::steady_clock::now() > until) return false;
      read_some(std::chrono::milliseconds(50));
    }
    return true;
  }
  // Reads what arrives within wait (one TLS record at most). A blocking read under a receive
  // timeout rather than poll(): a record OpenSSL has already taken off the socket is not seen by
  // poll().
  void read_some(std::chrono::milliseconds wait) {
    timeval tv{static_cast<time_t>(wait.count() / 1000),
               static_cast<suseconds_t>(wait.count() % 1000 * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    uint8_t buf[17 * 1024];
    auto n = conn_->read(buf, sizeof buf);
    if (!n) {
      // Nothing within wait, or the connection broke (a reset: the server is gone).
      ended = n.error().message.find("timed out") == std::string::npos;
      return;
    }
    if (*n == 0) {
      ended = true;
      return;
    }
    text.append(reinterpret_cast<const char*>(buf), *n);
  }
  // Drops the connection without a word (a client that goes away).
  void drop() { conn_.reset(); }

  std::string text;
  bool ended = false;

 private:
  int fd_ = -1;
  std::optional<crypto::TlsConnection> conn_;
};

}  // namespace gh::net::testing
