// The event loop under every server in src/net: one thread waits with epoll on a listening socket
// and on all its connections, admits connections under ServerLimits (caps per server and per
// address, eviction, back-off when out of descriptors), runs each connection's deadline, and hands
// complete work to a bounded WorkerPool. Protocols (HTTP over TLS, DPP over TCP) plug in as
// LoopConnection subclasses; an idle or slow connection is a few hundred bytes here, not a thread.
//
// Ours rather than Boost.Asio: no new dependency for one epoll loop of a few hundred lines, and the
// deadlines, caps and eviction order are the point of it, so they are written out where they are
// enforced instead of being built from a framework's timers and handlers.
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.h"
#include "net/server_limits.h"
#include "net/worker_pool.h"

namespace gh::net {

class ServerLoop;
using LoopClock = std::chrono::steady_clock;

// One accepted connection. Every call on it happens on the loop thread, except what a worker does
// while the connection is kBusy (the loop then leaves it alone).
class LoopConnection {
 public:
  // What the loop may do with a connection when the server is full.
  enum class Phase {
    kIdle,      // keep-alive, between requests: closed first, longest idle first
    kArriving,  // handshake or request still arriving: closed next, oldest first
    kBusy,      // a worker has its request, or its response is going out: never closed for room
  };
  virtual ~LoopConnection() = default;
  LoopConnection(const LoopConnection&) = delete;
  LoopConnection& operator=(const LoopConnection&) = delete;

  // Just accepted (phase kArriving, deadline head_timeout).
  virtual void start() = 0;
  // The socket is ready: EPOLLIN, EPOLLOUT, EPOLLHUP, EPOLLERR.
  virtual void on_ready(uint32_t events) = 0;
  // The deadline set with enter() has passed. The default closes the connection.
  virtual void on_deadline() { close(); }
  // Last call before the loop closes the socket.
  virtual void on_close() {}

  int fd() const { return fd_; }
  uint64_t id() const { return id_; }
  Phase phase() const { return phase_; }

 protected:
  LoopConnection(ServerLoop& loop, int fd) : loop_(loop), fd_(fd) {}
  ServerLoop& loop() { return loop_; }
  // Which readiness to wait for (EPOLLIN, EPOLLOUT); 0: none (the socket is not watched).
  void want(uint32_t events);
  // Moves to a phase with a deadline (LoopClock::time_point::max(): none).
  void enter(Phase phase, LoopClock::time_point deadline);
  // Closes the socket; the object goes once the current event is handled.
  void close();

 private:
  friend class ServerLoop;
  ServerLoop& loop_;
  int fd_;
  uint64_t id_ = 0;
  std::string address_;  // the peer's address bytes: the per-address count's key
  Phase phase_ = Phase::kArriving;
  LoopClock::time_point since_{};  // entered the phase
  LoopClock::time_point deadline_ = LoopClock::time_point::max();
  uint32_t watched_ = 0;
  bool registered_ = false;
  bool closed_ = false;
};

class ServerLoop {
 public:
  using Factory = std::function<std::unique_ptr<LoopConnection>(ServerLoop&, int fd)>;
  // Listens on host:port (0 picks one) and runs the loop on a thread of its own until stop().
  static Result<std::unique_ptr<ServerLoop>> start(const std::string& host, int port,
                                                   const ServerLimits& limits, Factory factory);
  ~ServerLoop();
  ServerLoop(const ServerLoop&) = delete;
  ServerLoop& operator=(const ServerLoop&) = delete;

  int port() const { return port_; }
  const ServerLimits& limits() const { return limits_; }
  bool stopping() const { return stopping_; }
  // Stops accepting and the loop, shuts down the sockets workers are using, waits for the work
  // under way, closes every connection.
  void stop();

  // Any thread: runs task on the loop thread with connection id, if it is still open then.
  void post(uint64_t id, std::function<void(LoopConnection&)> task);
  // Loop thread: work for the pool; false when its queue is full.
  bool submit(std::function<void()> work) { return pool_.submit(std::move(work)); }

  ServerStats stats() const;

 private:
  friend class LoopConnection;
  ServerLoop(const ServerLimits& limits, Factory factory);
  void run();
  void accept_ready();
  void admit(int fd, std::string address);
  LoopConnection* victim(const std::string* address);
  void watch(LoopConnection& c, uint32_t events);
  void set_deadline(LoopConnection& c, LoopClock::time_point deadline);
  void close(LoopConnection& c);
  void run_posted();
  void expire_deadlines();
  void watch_listener(bool on);
  int wait_ms() const;

  const ServerLimits limits_;
  Factory factory_;
  WorkerPool pool_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  // Loop thread only (and stop(), after the thread has ended).
  uint64_t next_id_ = 2;  // 0 and 1 are the wake-up descriptor and the listener
  std::unordered_map<uint64_t, std::unique_ptr<LoopConnection>> conns_;
  std::unordered_map<std::string, int> per_address_;
  std::set<std::pair<LoopClock::time_point, uint64_t>> deadlines_;
  std::vector<std::unique_ptr<LoopConnection>> closed_;  // freed after the current event
  bool listening_ = false;
  LoopClock::time_point resume_accept_{};

  mutable std::mutex posted_mu_;
  std::vector<std::pair<uint64_t, std::function<void(LoopConnection&)>>> posted_;

  std::atomic<uint64_t> accepted_{0}, refused_{0}, evicted_{0}, backoffs_{0};
  std::atomic<int> open_{0};
};

}  // namespace gh::net
