#include "net/server_loop.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.h"
#include "net/tcp.h"

namespace gh::net {
namespace {

constexpr uint64_t kWakeToken = 0;
constexpr uint64_t kListenToken = 1;
constexpr int kAcceptBatch = 64;  // accepts per wake-up, so connections already in get served

// The per-address key: the address bytes (an IPv4-mapped IPv6 address counts as the IPv4 one).
std::string address_key(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(a);
    return std::string(reinterpret_cast<const char*>(&in.sin_addr), 4);
  }
  if (a.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(a);
    const char* b = reinterpret_cast<const char*>(&in6.sin6_addr);
    if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) return std::string(b + 12, 4);
    return std::string(b, 16);
  }
  return std::string();
}

}  // namespace

void LoopConnection::want(uint32_t events) {
  loop_.watch(*this, events);
}

void LoopConnection::enter(Phase phase, LoopClock::time_point deadline) {
  if (phase != phase_) since_ = LoopClock::now();
  phase_ = phase;
  loop_.set_deadline(*this, deadline);
}

void LoopConnection::close() {
  loop_.close(*this);
}

ServerLoop::ServerLoop(const ServerLimits& limits, Factory factory)
    : limits_(limits),
      factory_(std::move(factory)),
      pool_(worker_threads(limits), limits.max_queue) {}

Result<std::unique_ptr<ServerLoop>> ServerLoop::start(const std::string& host, int port,
                                                      const ServerLimits& limits, Factory factory) {
  ignore_sigpipe();
  std::unique_ptr<ServerLoop> s(new ServerLoop(limits, std::move(factory)));
  auto listener = TRY(listen_tcp(host, port));
  s->listen_fd_ = listener.first;
  s->port_ = listener.second;
  s->epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  s->wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (s->epoll_fd_ < 0 || s->wake_fd_ < 0)
    return make_error("net.listen", std::string("event loop: ") + std::strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeToken;
  ::epoll_ctl(s->epoll_fd_, EPOLL_CTL_ADD, s->wake_fd_, &ev);
  s->watch_listener(true);
  s->thread_ = std::thread([p = s.get()] { p->run(); });
  return s;
}

ServerLoop::~ServerLoop() {
  stop();
  for (int fd : {listen_fd_, epoll_fd_, wake_fd_})
    if (fd >= 0) ::close(fd);
}

void ServerLoop::stop() {
  if (stopping_.exchange(true)) return;
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  }
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);  // the port is free again once stop() returns
  listen_fd_ = -1;
  // A worker may be blocked on a connection's socket (a DPP exchange): end its wait.
  for (auto& [id, c] : conns_)
    if (c->phase_ == LoopConnection::Phase::kBusy) ::shutdown(c->fd_, SHUT_RDWR);
  pool_.stop();
  for (auto& [id, c] : conns_) {
    c->on_close();
    ::close(c->fd_);
  }
  conns_.clear();
  closed_.clear();
  per_address_.clear();
  open_ = 0;
}

void ServerLoop::post(uint64_t id, std::function<void(LoopConnection&)> task) {
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    posted_.emplace_back(id, std::move(task));
  }
  uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

ServerStats ServerLoop::stats() const {
  return ServerStats{accepted_, refused_, evicted_, backoffs_, open_, pool_.threads()};
}

int ServerLoop::wait_ms() const {
  auto next = LoopClock::time_point::max();
  if (!deadlines_.empty()) next = deadlines_.begin()->first;
  if (!listening_ && resume_accept_ < next) next = resume_accept_;
  if (next == LoopClock::time_point::max()) return -1;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - LoopClock::now()).count();
  return ms < 0 ? 0 : static_cast<int>(std::min<long long>(ms, 60'000));
}

void ServerLoop::run() {
  epoll_event events[64];
  while (!stopping_) {
    int n = ::epoll_wait(epoll_fd_, events, 64, wait_ms());
    if (n < 0 && errno != EINTR) {
      log::error("net", std::string("epoll_wait: ") + std::strerror(errno));
      return;
    }
    for (int i = 0; i < n && !stopping_; ++i) {
      uint64_t token = events[i].data.u64;
      if (token == kWakeToken) {
        uint64_t count;
        (void)!::read(wake_fd_, &count, sizeof count);
        run_posted();
      } else if (token == kListenToken) {
        accept_ready();
      } else if (auto it = conns_.find(token); it != conns_.end()) {
        it->second->on_ready(events[i].events);
      }
      closed_.clear();
    }
    expire_deadlines();
    if (!listening_ && LoopClock::now() >= resume_accept_) watch_listener(true);
    closed_.clear();
  }
}

void ServerLoop::run_posted() {
  std::vector<std::pair<uint64_t, std::function<void(LoopConnection&)>>> tasks;
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    tasks.swap(posted_);
  }
  for (auto& [id, task] : tasks) {
    auto it = conns_.find(id);
    if (it != conns_.end()) task(*it->second);
  }
}

void ServerLoop::expire_deadlines() {
  auto now = LoopClock::now();
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    uint64_t id = deadlines_.begin()->second;
    auto it = conns_.find(id);
    if (it == conns_.end()) {
      deadlines_.erase(deadlines_.begin());
      continue;
    }
    LoopConnection& c = *it->second;
    set_deadline(c, LoopClock::time_point::max());
    c.on_deadline();
  }
}

void ServerLoop::watch_listener(bool on) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenToken;
  ::epoll_ctl(epoll_fd_, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, listen_fd_, &ev);
  listening_ = on;
}

void ServerLoop::accept_ready() {
  for (int i = 0; i < kAcceptBatch && listening_; ++i) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      admit(fd, address_key(addr));
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      // The connection stays in the backlog, so the listener stays readable: polling it now would
      // spin a core without accepting anything. Look again after a pause.
      if (backoffs_++ % 100 == 0)
        log::warn("net", std::string("accept: ") + std::strerror(errno) + "; pausing " +
                             std::to_string(limits_.accept_backoff.count()) + " ms");
      watch_listener(false);
      resume_accept_ = LoopClock::now() + limits_.accept_backoff;
    }
    return;  // EAGAIN, or an error that a later readiness will show again
  }
}

// Who makes room for a newcomer: the connection idle longest between keep-alive requests (past
// idle_grace), else the oldest one whose handshake or request is still arriving (honest clients
// finish theirs in milliseconds; slow ones are what fills a server), else one idle for less than
// idle_grace. Busy ones never. Within one address: only its own idle ones.
LoopConnection* ServerLoop::victim(const std::string* address) {
  auto idle_since = LoopClock::now() - limits_.idle_grace;
  LoopConnection* idle = nullptr;
  LoopConnection* arriving = nullptr;
  for (auto& [id, c] : conns_) {
    if (c->closed_ || (address && c->address_ != *address)) continue;
    if (c->phase_ == LoopConnection::Phase::kIdle && (!idle || c->since_ < idle->since_))
      idle = c.get();
    if (c->phase_ == LoopConnection::Phase::kArriving &&
        (!arriving || c->since_ < arriving->since_))
      arriving = c.get();
  }
  if (address) return idle;
  if (idle && idle->since_ <= idle_since) return idle;
  return arriving ? arriving : idle;
}

void ServerLoop::admit(int fd, std::string address) {
  LoopConnection* room_from = nullptr;
  bool full = false;
  auto same = per_address_.find(address);
  if (same != per_address_.end() && same->second >= limits_.max_per_address) {
    room_from = victim(&address);
    full = !room_from;
  } else if (static_cast<int>(conns_.size()) >= limits_.max_connections) {
    room_from = victim(nullptr);
    full = !room_from;
  }
  if (full) {
    ++refused_;
    ::close(fd);
    return;
  }
  if (room_from) {
    ++evicted_;
    close(*room_from);
  }
  int one = 1;  // responses go out whole: no waiting for an ACK of their previous segment
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto conn = factory_(*this, fd);
  conn->id_ = next_id_++;
  conn->address_ = std::move(address);
  conn->since_ = LoopClock::now();
  ++per_address_[conn->address_];
  ++accepted_;
  ++open_;
  LoopConnection& c = *conn;
  conns_.emplace(c.id_, std::move(conn));
  set_deadline(c, c.since_ + limits_.head_timeout);
  c.start();
}

void ServerLoop::watch(LoopConnection& c, uint32_t events) {
  if (c.closed_ || (c.registered_ && events == c.watched_)) return;
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = c.id_;
  if (events == 0) {
    // Out of the set altogether: epoll reports hang-ups and errors even with no events asked,
    // and a busy connection must not be woken for them over and over.
    if (c.registered_) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd_, &ev);
    c.registered_ = false;
  } else {
    ::epoll_ctl(epoll_fd_, c.registered_ ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c.fd_, &ev);
    c.registered_ = true;
  }
  c.watched_ = events;
}

void ServerLoop::set_deadline(LoopConnection& c, LoopClock::time_point deadline) {
  if (c.deadline_ != LoopClock::time_point::max()) deadlines_.erase({c.deadline_, c.id_});
  c.deadline_ = deadline;
  if (deadline != LoopClock::time_point::max() && !c.closed_) deadlines_.insert({deadline, c.id_});
}

void ServerLoop::close(LoopConnection& c) {
  if (c.closed_) return;
  set_deadline(c, LoopClock::time_point::max());
  watch(c, 0);
  c.closed_ = true;
  c.on_close();
  ::close(c.fd_);
  if (--per_address_[c.address_] <= 0) per_address_.erase(c.address_);
  --open_;
  auto it = conns_.find(c.id_);
  closed_.push_back(std::move(it->second));
  conns_.erase(it);
}

}  // namespace gh::net
