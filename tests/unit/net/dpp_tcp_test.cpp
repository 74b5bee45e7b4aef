// DPP over TCP framing limits, and the one-at-a-time listener the enrollee waits on.
#include "net/dpp_tcp.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "common/time.h"
#include "net/listener.h"
#include "net/tcp.h"

namespace gh::net {
namespace {

struct Pair {
  int a = -1, b = -1;
  Pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    a = fds[0];
    b = fds[1];
  }
  ~Pair() {
    ::close(a);
    if (b >= 0) ::close(b);
  }
  void send(const Bytes& bytes) {
    ASSERT_EQ(::write(b, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
};

TEST(DppTcp, TheLargestMessageIsReadAndOneOctetMoreIsRefused) {
  Pair p;
  std::thread w([&] { EXPECT_TRUE(write_dpp_message(p.b, Bytes(65535, 0x09)).ok()); });
  DppReader r(p.a);
  auto m = r.read();
  w.join();
  ASSERT_TRUE(m.ok()) << m.error().str();
  EXPECT_EQ(m->size(), 65535u);
  p.send({0x00, 0x01, 0x00, 0x00});  // 65536
  auto over = r.read();
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, "dpp.tcp.size");
  EXPECT_FALSE(write_dpp_message(p.b, Bytes(65536, 0)).ok());
}

TEST(DppTcp, EmptyMessagesAndEarlyCloseAreNamed) {
  Pair p;
  p.send({0, 0, 0, 0});
  DppReader r(p.a);
  auto empty = r.read();
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "dpp.tcp.size");
  Pair q;
  q.send({0, 0, 0, 9, 1, 2});
  ::close(q.b);
  q.b = -1;
  DppReader r2(q.a);
  auto cut = r2.read();
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().code, "dpp.closed");
}

TEST(TcpListener, AcceptsInTurnAndGivesUpAtTheDeadline) {
  auto l = TcpListener::open("127.0.0.1", 0);
  ASSERT_TRUE(l.ok()) << l.error().str();
  ASSERT_GT(l->port(), 0);
  double t0 = time::monotonic();
  auto none = l->accept_until(t0 + 0.2);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_GE(time::monotonic() - t0, 0.19);
  auto c1 = tcp_connect("127.0.0.1", l->port(), 2);
  auto c2 = tcp_connect("127.0.0.1", l->port(), 2);
  ASSERT_TRUE(c1.ok() && c2.ok());
  for (int i = 0; i < 2; ++i) {
    auto a = l->accept_until(time::monotonic() + 2);
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(a->has_value());
    EXPECT_EQ((*a)->peer.rfind("127.0.0.1:", 0), 0u) << (*a)->peer;
    ::close((*a)->fd);
  }
  ::close(*c1);
  ::close(*c2);
}

}  // namespace
}  // namespace gh::net
