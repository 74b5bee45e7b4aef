// TCP plumbing shared by every server and client in src/net: a listener whose connection threads
// are reused, a connect with timeouts, and a free-port helper for tests and benches.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"

namespace gh::net {

// SIGPIPE would end the process when a peer goes away mid-write; every user wants an error instead.
void ignore_sigpipe();
// Send/receive timeouts and TCP_NODELAY.
void set_socket_timeouts(int fd, int seconds);

// Accepts connections on host:port and hands each to serve(fd) on a worker thread; serve owns fd
// and closes it. Threads are reused: one that finishes a connection waits for the next (creating
// and tearing down a thread per connection costs TLB shootdowns on every core).
class TcpServer {
 public:
  using Serve = std::function<void(int fd)>;
  // port 0 picks one; timeout_s applies to every accepted socket.
  static Result<std::unique_ptr<TcpServer>> start(const std::string& host, int port, Serve serve,
                                                  int timeout_s);
  ~TcpServer();
  int port() const { return port_; }
  bool stopping() const { return stopping_; }
  // Stops accepting, shuts down live connections and joins every worker.
  void stop();

 private:
  TcpServer(Serve serve, int timeout_s) : serve_(std::move(serve)), timeout_s_(timeout_s) {}
  void accept_loop();
  void worker();

  Serve serve_;
  int timeout_s_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<int> pending_;
  std::set<int> live_;  // sockets being served, shut down by stop()
  int idle_ = 0;
  std::vector<std::thread> workers_;  // joined by stop(): none outlives the server
};

// A loopback TCP port nothing listens on at the moment of asking.
int free_loopback_port();

// Opens a TCP connection with send/receive timeouts.
Result<int> tcp_connect(const std::string& host, int port, int timeout_s);

// "HOST:PORT" or "tcp:HOST:PORT" or "[v6]:PORT" -> host and port (0-65535; 0 = any, to listen).
Result<std::pair<std::string, int>> parse_host_port(std::string_view text);

}  // namespace gh::net
