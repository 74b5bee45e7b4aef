// A listening TCP socket whose owner serves one connection at a time, on its own thread: the DPP
// enrollee waiting for a configurator (`device dpp listen`). No worker threads, so no peer can make
// it hold more than the connection it is serving and the kernel's accept queue.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"

namespace gh::net {

struct Accepted {
  int fd = -1;       // the caller owns it
  std::string peer;  // "ADDRESS:PORT", for the log
};

class TcpListener {
 public:
  // Listens on host:port (port 0 picks one).
  static Result<TcpListener> open(const std::string& host, int port);
  TcpListener(TcpListener&& o) noexcept : fd_(o.fd_), port_(o.port_) { o.fd_ = -1; }
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;
  TcpListener& operator=(TcpListener&&) = delete;
  ~TcpListener();

  int port() const { return port_; }
  // Waits until `deadline` (time::monotonic() seconds) for the next connection; none when the
  // deadline passed first. Out of descriptors, it backs off instead of spinning.
  Result<std::optional<Accepted>> accept_until(double deadline);

 private:
  TcpListener(int fd, int port) : fd_(fd), port_(port) {}
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace gh::net
