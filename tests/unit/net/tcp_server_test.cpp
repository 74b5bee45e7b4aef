// TcpServer (the DPP controller's transport) on the event loop: a connection gets a worker only
// once its first message is in, within a deadline that a trickle does not reset; caps; the
// back-off when the process is out of descriptors; DppReader's per-message deadline.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/time.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "net/dpp_tcp.h"
#include "net/tcp.h"
#include "raw_socket.h"

namespace gh::net {
namespace {

using std::chrono::milliseconds;
using testing::closed_within;
using testing::eventually;
using testing::raw_connect;

Bytes frame(size_t n) {
  Bytes f = {0, 0, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  for (size_t i = 0; i < n; ++i) f.push_back(static_cast<uint8_t>(i));
  return f;
}

bool send_all(int fd, const Bytes& b) {
  return ::send(fd, b.data(), b.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(b.size());
}

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// A DPP-framed echo server: the first message (read through DppReader from what the loop
// received) goes back; every error code is kept.
class TcpServerTest : public ::testing::Test {
 protected:
  void start(const ServerLimits& limits, int timeout_s = 5) {
    auto s = TcpServer::start(
        "127.0.0.1", 0, dpp_message_extent,
        [this](int fd, Bytes received) {
          ++served_;
          DppReader reader(fd, std::move(received));
          auto m = reader.read();
          if (m) {
            (void)write_dpp_message(fd, *m);
            if (hold_) (void)reader.read();  // waits for a second message
          } else {
            std::lock_guard<std::mutex> lock(mu_);
            errors_.push_back(m.error().code);
          }
          ::close(fd);
        },
        timeout_s, limits);
    ASSERT_TRUE(s.ok()) << s.error().str();
    server_ = std::move(*s);
  }
  void TearDown() override {
    if (server_) server_->stop();
    for (int fd : fds_) ::close(fd);
  }
  int connect(const std::string& source = "127.0.0.1") {
    int fd = raw_connect(server_->port(), source);
    EXPECT_GE(fd, 0);
    set_socket_timeouts(fd, 5);
    fds_.push_back(fd);
    return fd;
  }
  std::vector<std::string> errors() {
    std::lock_guard<std::mutex> lock(mu_);
    return errors_;
  }

  std::unique_ptr<TcpServer> server_;
  std::atomic<int> served_{0};
  std::atomic<bool> hold_{false};
  std::mutex mu_;
  std::vector<std::string> errors_;
  std::vector<int> fds_;
};

TEST_F(TcpServerTest, FirstMessageIsAwaitedInTheLoopNotOnAWorker) {
  ServerLimits l;
  l.workers = 1;
  start(l);
  for (int i = 0; i < 50; ++i) connect();  // silent: they hold no worker
  int fd = connect();
  Bytes f = frame(300);
  ASSERT_TRUE(send_all(fd, Bytes(f.begin(), f.begin() + 100)));
  std::this_thread::sleep_for(milliseconds(50));
  ASSERT_TRUE(send_all(fd, Bytes(f.begin() + 100, f.end())));
  DppReader echo(fd);
  auto m = echo.read();
  ASSERT_TRUE(m.ok()) << m.error().str();
  EXPECT_EQ(*m, Bytes(f.begin() + 4, f.end()));
  EXPECT_EQ(served_, 1);
  EXPECT_EQ(server_->stats().workers, 1);
  // The served one is closed; the silent ones wait.
  EXPECT_TRUE(eventually([&] { return server_->stats().open == 50; }));
}

TEST_F(TcpServerTest, FirstMessageDeadlineIsNotResetByATrickle) {
  ServerLimits l;
  l.head_timeout = milliseconds(600);
  start(l, 5);
  auto t0 = std::chrono::steady_clock::now();
  int fd = connect();
  Bytes f = frame(200);
  size_t sent = 0;
  while (sent < f.size() && !closed_within(fd, milliseconds(50))) {
    if (!send_all(fd, Bytes{f[sent]})) break;
    ++sent;
  }
  auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0);
  EXPECT_LT(sent, f.size());
  EXPECT_GE(sent, 5u);
  EXPECT_GE(took.count(), 550);
  EXPECT_LT(took.count(), 1400);
  EXPECT_EQ(served_, 0);
}

TEST_F(TcpServerTest, TimeoutBoundsTheWaitForTheFirstMessage) {
  start({}, 1);  // head_timeout 10 s, but a peer silent for timeout_s ends an exchange
  int fd = connect();
  EXPECT_FALSE(closed_within(fd, milliseconds(700)));
  EXPECT_TRUE(closed_within(fd, milliseconds(1500)));
  EXPECT_EQ(served_, 0);
}

TEST_F(TcpServerTest, MalformedOrTruncatedFirstMessagesReachServeWhichNamesThem) {
  start({});
  int big = connect();
  ASSERT_TRUE(send_all(big, Bytes{0, 1, 0, 0}));  // 65536 octets announced
  int early = connect();
  ASSERT_TRUE(send_all(early, Bytes{0, 0, 0, 9, 1, 2}));
  ::shutdown(early, SHUT_WR);
  ASSERT_TRUE(eventually([&] { return errors().size() == 2; }));
  auto e = errors();
  std::sort(e.begin(), e.end());
  EXPECT_EQ(e, (std::vector<std::string>{"dpp.closed", "dpp.tcp.size"}));
}

TEST_F(TcpServerTest, NewcomerIsRefusedWhenEveryConnectionIsInAnExchange) {
  ServerLimits l;
  l.max_connections = 2;
  hold_ = true;
  start(l);
  int a = connect();
  int b = connect();
  ASSERT_TRUE(send_all(a, frame(10)));
  ASSERT_TRUE(send_all(b, frame(10)));
  ASSERT_TRUE(eventually([&] { return served_ == 2; }));
  int c = connect();
  EXPECT_TRUE(closed_within(c, milliseconds(2000)));
  EXPECT_EQ(server_->stats().refused, 1u);
  EXPECT_FALSE(closed_within(a, milliseconds(100)));
}

TEST_F(TcpServerTest, PerAddressCap) {
  ServerLimits l;
  l.max_per_address = 3;
  start(l);
  for (int i = 0; i < 3; ++i) connect("127.0.0.1");
  ASSERT_TRUE(eventually([&] { return server_->stats().accepted == 3; }));
  int fourth = connect("127.0.0.1");
  EXPECT_TRUE(closed_within(fourth, milliseconds(2000)));
  int other = connect("127.0.0.3");
  EXPECT_FALSE(closed_within(other, milliseconds(200)));
  EXPECT_EQ(server_->stats().refused, 1u);
  EXPECT_EQ(server_->stats().open, 4);
}

TEST(TcpServer, ServeWithoutFramingGetsTheSocketOnceReadable) {
  std::promise<std::string> got;
  auto s = TcpServer::start(
      "127.0.0.1", 0,
      [&](int fd) {
        char buf[16] = {};
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        got.set_value(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0));
        ::close(fd);
      },
      5);
  ASSERT_TRUE(s.ok());
  int fd = raw_connect((*s)->port());
  ASSERT_GE(fd, 0);
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ((*s)->stats().workers, 0);  // connected but silent: no worker yet
  ASSERT_EQ(::send(fd, "hello", 5, 0), 5);
  EXPECT_EQ(got.get_future().get(), "hello");
  ::close(fd);
}

// With no descriptor left the listener stays readable while accept() fails: the loop must pause
// instead of spinning, and accept again once descriptors are back.
TEST(TcpServer, AcceptBacksOffWhenOutOfDescriptors) {
  std::atomic<int> served{0};
  auto s = TcpServer::start(
      "127.0.0.1", 0,
      [&](int fd) {
        ++served;
        ::close(fd);
      },
      5);
  ASSERT_TRUE(s.ok());
  int port = (*s)->port();
  std::vector<int> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  rlimit old{};
  ::getrlimit(RLIMIT_NOFILE, &old);
  rlimit low = old;
  low.rlim_cur = 256;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> filler;
  for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) filler.push_back(fd);
  ASSERT_EQ(errno, EMFILE);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int fd : clients) {
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
    ASSERT_EQ(::send(fd, "x", 1, 0), 1);
  }
  double cpu0 = cpu_seconds();
  std::this_thread::sleep_for(milliseconds(1000));
  double cpu = cpu_seconds() - cpu0;
  auto st = (*s)->stats();
  EXPECT_EQ(st.accepted, 0u);
  EXPECT_GE(st.backoffs, 5u);  // it kept looking, every 100 ms
  EXPECT_LE(st.backoffs, 15u);
  EXPECT_LT(cpu, 0.2) << "the acceptor spun";
  for (int fd : filler) ::close(fd);
  ::setrlimit(RLIMIT_NOFILE, &old);
  EXPECT_TRUE(eventually([&] { return served == 3; }));
  for (int fd : clients) ::close(fd);
}

TEST(DppReader, AMessageMustArriveWithinTheReceiveTimeoutHoweverItTrickles) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  set_socket_timeouts(sv[0], 1);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    Bytes f = frame(100);
    for (size_t i = 0; i < f.size() && !stop; ++i) {
      (void)!::send(sv[1], &f[i], 1, MSG_NOSIGNAL);
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  auto t0 = std::chrono::steady_clock::now();
  auto m = DppReader(sv[0]).read();
  auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0);
  stop = true;
  writer.join();
  ::close(sv[0]);
  ::close(sv[1]);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, "dpp.timeout");
  EXPECT_GE(took.count(), 950);
  EXPECT_LT(took.count(), 1600);
}

TEST(DppReader, ReadsWhatTheLoopReceivedFirst) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  Bytes f = frame(20);
  Bytes g = frame(7);
  ASSERT_TRUE(send_all(sv[1], Bytes(f.begin() + 10, f.end())));
  ASSERT_TRUE(send_all(sv[1], g));
  DppReader reader(sv[0], Bytes(f.begin(), f.begin() + 10));
  auto m1 = reader.read();
  auto m2 = reader.read();
  ASSERT_TRUE(m1.ok() && m2.ok());
  EXPECT_EQ(*m1, Bytes(f.begin() + 4, f.end()));
  EXPECT_EQ(*m2, Bytes(g.begin() + 4, g.end()));
  ::close(sv[0]);
  ::close(sv[1]);
}

TEST(DppMessageExtent, CountsPrefixAndBodyAndRefusesBadLengths) {
  EXPECT_EQ(*dpp_message_extent({0, 0}), 0u);
  EXPECT_EQ(*dpp_message_extent({0, 0, 0, 3, 1, 2}), 0u);
  EXPECT_EQ(*dpp_message_extent({0, 0, 0, 3, 1, 2, 3, 9}), 7u);
  auto big = dpp_message_extent({0, 1, 0, 0});
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, "dpp.tcp.size");
  auto empty = dpp_message_extent({0, 0, 0, 0});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "dpp.tcp.size");
}

}  // namespace
}  // namespace gh::net
