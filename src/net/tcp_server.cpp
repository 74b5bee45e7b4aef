// TcpServer on the event loop: a connection waits in the loop, holding no thread, until its first
// message is in; then a worker runs the blocking exchange.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/log.h"
#include "net/server_loop.h"
#include "net/tcp.h"

namespace gh::net {
namespace {

// However a first message is framed, no more than this is read before serve() gets the socket.
constexpr size_t kMaxFirstBytes = 64 * 1024 + 64;

}  // namespace

class TcpServer::Conn : public LoopConnection {
 public:
  Conn(ServerLoop& loop, int fd, TcpServer& server) : LoopConnection(loop, fd), server_(server) {}

  void start() override { want(EPOLLIN); }

  void on_ready(uint32_t) override {
    if (!server_.first_) return hand_over();  // readable (or closed): serve reads it all
    uint8_t chunk[16384];
    for (;;) {
      ssize_t n = ::recv(fd(), chunk, std::min(sizeof chunk, kMaxFirstBytes - received_.size()), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n < 0) return close();
      if (n == 0) return hand_over();  // closed early: serve reports it as the peer's failure
      received_.insert(received_.end(), chunk, chunk + n);
      auto size = server_.first_(received_);
      if (!size || *size > 0 || received_.size() >= kMaxFirstBytes) return hand_over();
    }
  }

 private:
  void hand_over() {
    want(0);
    enter(Phase::kBusy, LoopClock::time_point::max());
    int flags = ::fcntl(fd(), F_GETFL);
    ::fcntl(fd(), F_SETFL, flags & ~O_NONBLOCK);
    set_socket_timeouts(fd(), server_.timeout_s_);
    ServerLoop& l = loop();
    uint64_t id = this->id();
    // serve() gets a descriptor of its own; the loop keeps this one open until serve is done, so
    // stop() never shuts down a descriptor number that was closed and reused meanwhile.
    bool queued = l.submit([&l, &server = server_, id, fd = fd(), bytes = std::move(received_)] {
      int own = ::dup(fd);
      if (own >= 0) server.serve_(own, std::move(bytes));
      l.post(id, [](LoopConnection& c) { static_cast<Conn&>(c).close(); });
    });
    if (!queued) {
      log::warn("net", "every worker busy and the queue full: connection closed");
      close();
    }
  }

  TcpServer& server_;
  Bytes received_;
};

Result<std::unique_ptr<TcpServer>> TcpServer::start(const std::string& host, int port,
                                                    FirstMessage first, ServeReceived serve,
                                                    int timeout_s, const ServerLimits& limits) {
  std::unique_ptr<TcpServer> s(new TcpServer(std::move(first), std::move(serve), timeout_s));
  ServerLimits l = limits;
  // A peer silent for timeout_s ends an exchange; the wait for its first message is no longer.
  if (timeout_s > 0)
    l.head_timeout =
        std::min<std::chrono::milliseconds>(l.head_timeout, std::chrono::seconds(timeout_s));
  s->loop_ = TRY(ServerLoop::start(host, port, l, [p = s.get()](ServerLoop& loop, int fd) {
    return std::make_unique<Conn>(loop, fd, *p);
  }));
  return s;
}

Result<std::unique_ptr<TcpServer>> TcpServer::start(const std::string& host, int port, Serve serve,
                                                    int timeout_s, const ServerLimits& limits) {
  return start(
      host, port, nullptr, [serve = std::move(serve)](int fd, Bytes) { serve(fd); }, timeout_s,
      limits);
}

TcpServer::TcpServer(FirstMessage first, ServeReceived serve, int timeout_s)
    : first_(std::move(first)), serve_(std::move(serve)), timeout_s_(timeout_s) {}

TcpServer::~TcpServer() {
  stop();
}

int TcpServer::port() const {
  return loop_->port();
}

bool TcpServer::stopping() const {
  return loop_->stopping();
}

ServerStats TcpServer::stats() const {
  return loop_->stats();
}

void TcpServer::stop() {
  if (loop_) loop_->stop();
}

}  // namespace gh::net
