// HttpServer under ServerLimits: caps (server-wide and per address) and who makes room at them,
// deadlines that trickled bytes do not reset, keep-alive, and a bounded worker pool.
#include <dirent.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "net/http.h"
#include "pki/profiles.h"
#include "raw_socket.h"

namespace gh::net {
namespace {

using std::chrono::milliseconds;
using testing::closed_within;
using testing::eventually;
using testing::raw_connect;

// Opens the gate and stops the server when a test's body ends, early (a failed ASSERT) or not: its
// handler waits on the body's locals, and a request still queued must not run after they are gone.
struct StopAtEnd {
  HttpServer* server;
  std::promise<void>& gate;
  ~StopAtEnd() {
    try {
      gate.set_value();
    } catch (const std::future_error&) {  // opened already
    }
    if (server) server->stop();
  }
};

int thread_count() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/task");
  while (dirent* e = d ? ::readdir(d) : nullptr) n += e->d_name[0] != '.';
  if (d) ::closedir(d);
  return n;
}

class HttpLimitsTest : public ::testing::Test {
 protected:
  void start(const ServerLimits& limits, Handler handler = nullptr) {
    if (!handler) handler = [](HttpRequest& r) { return HttpResponse::text(200, "got " + r.path); };
    auto k = *crypto::PrivateKey::generate(crypto::Curve::kP256);
    auto c = *crypto::issue_certificate(pki::domain_ca("t", k.public_key()), nullptr, k);
    auto s = HttpServer::start("127.0.0.1", 0, *crypto::TlsContext::server({c, {}, k}),
                               std::move(handler), limits);
    ASSERT_TRUE(s.ok()) << s.error().str();
    server_ = std::move(*s);
  }
  void TearDown() override {
    if (server_) server_->stop();
    for (int fd : fds_) ::close(fd);
  }
  std::unique_ptr<HttpClient> client() {
    auto c = HttpClient::connect("127.0.0.1", server_->port(), client_tls_, 5);
    EXPECT_TRUE(c.ok()) << c.error().str();
    return c ? std::move(*c) : nullptr;
  }
  // A plain TCP connection that never starts its TLS handshake.
  int silent(const std::string& source = "127.0.0.1") {
    int fd = raw_connect(server_->port(), source);
    EXPECT_GE(fd, 0);
    fds_.push_back(fd);
    return fd;
  }
  bool accepted(uint64_t n) {
    return eventually([&] { return server_->stats().accepted >= n; });
  }

  std::unique_ptr<HttpServer> server_;
  crypto::TlsContext client_tls_ = *crypto::TlsContext::client(nullptr, {}, "");
  std::vector<int> fds_;
};

TEST_F(HttpLimitsTest, KeepAliveServesRequestsInTurnOnOneConnection) {
  start({});
  auto c = client();
  ASSERT_TRUE(c);
  for (const char* path : {"/a", "/b", "/c"}) {
    auto r = c->request("GET", path, {}, "");
    ASSERT_TRUE(r.ok()) << r.error().str();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, std::string("got ") + path + "\n");
  }
  EXPECT_EQ(server_->stats().accepted, 1u);
}

TEST_F(HttpLimitsTest, IdleKeepAliveConnectionIsClosedFirstAtTheCap) {
  ServerLimits l;
  l.max_connections = 2;
  l.idle_grace = milliseconds(200);
  start(l);
  int older = silent();  // arriving (no handshake yet), and older than the idle one
  ASSERT_TRUE(accepted(1));
  auto idle = client();
  ASSERT_TRUE(idle);
  ASSERT_EQ(idle->request("GET", "/", {}, "")->status, 200);
  std::this_thread::sleep_for(milliseconds(300));  // idle past the grace
  silent();
  ASSERT_TRUE(eventually([&] { return server_->stats().evicted == 1; }));
  EXPECT_FALSE(idle->request("GET", "/", {}, "").ok());  // it was the one closed
  EXPECT_FALSE(closed_within(older, milliseconds(200)));
  EXPECT_EQ(server_->stats().open, 2);
  EXPECT_EQ(server_->stats().refused, 0u);
}

TEST_F(HttpLimitsTest, AConnectionBetweenTwoRequestsOutlivesArrivingOnesAtTheCap) {
  ServerLimits l;
  l.max_connections = 2;
  l.idle_grace = milliseconds(5000);
  start(l);
  int arriving = silent();
  ASSERT_TRUE(accepted(1));
  auto between = client();
  ASSERT_TRUE(between);
  ASSERT_EQ(between->request("GET", "/first", {}, "")->status, 200);
  std::this_thread::sleep_for(milliseconds(50));
  silent();
  EXPECT_TRUE(closed_within(arriving, milliseconds(2000)));
  auto r = between->request("GET", "/second", {}, "");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(server_->stats().evicted, 1u);
}

TEST_F(HttpLimitsTest, OldestArrivingConnectionMakesRoomWhenNoneIsIdle) {
  ServerLimits l;
  l.max_connections = 2;
  start(l);
  int first = silent();
  ASSERT_TRUE(accepted(1));
  int second = silent();
  ASSERT_TRUE(accepted(2));
  silent();
  EXPECT_TRUE(closed_within(first, milliseconds(2000)));
  EXPECT_FALSE(closed_within(second, milliseconds(200)));
  EXPECT_EQ(server_->stats().evicted, 1u);
  EXPECT_EQ(server_->stats().open, 2);
}

TEST_F(HttpLimitsTest, NewcomerIsRefusedWhenEveryConnectionIsBusy) {
  ServerLimits l;
  l.max_connections = 1;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> entered{false};
  start(l, [&](HttpRequest&) {
    entered = true;
    released.wait();
    return HttpResponse::text(200, "done");
  });
  const StopAtEnd stop{server_.get(), release};
  auto busy = client();
  ASSERT_TRUE(busy);
  auto answer = std::async(std::launch::async, [&] { return busy->request("GET", "/", {}, ""); });
  ASSERT_TRUE(eventually([&] { return entered.load(); }));
  int newcomer = silent();
  EXPECT_TRUE(closed_within(newcomer, milliseconds(2000)));
  EXPECT_EQ(server_->stats().refused, 1u);
  release.set_value();
  auto r = answer.get();
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpLimitsTest, PerAddressCapRefusesTheAddressNotOthers) {
  ServerLimits l;
  l.max_per_address = 2;
  start(l);
  int a1 = silent("127.0.0.1");
  int a2 = silent("127.0.0.1");
  ASSERT_TRUE(accepted(2));
  int a3 = silent("127.0.0.1");
  EXPECT_TRUE(closed_within(a3, milliseconds(2000)));
  EXPECT_EQ(server_->stats().refused, 1u);
  int b = silent("127.0.0.2");
  ASSERT_TRUE(accepted(3));
  EXPECT_FALSE(closed_within(b, milliseconds(200)));
  EXPECT_FALSE(closed_within(a1, milliseconds(10)));
  EXPECT_FALSE(closed_within(a2, milliseconds(10)));
  EXPECT_EQ(server_->stats().evicted, 0u);  // the cap is the address's share, not a queue
}

TEST_F(HttpLimitsTest, PerAddressCapClosesTheAddressOwnIdleConnectionFirst) {
  ServerLimits l;
  l.max_per_address = 2;
  start(l);
  int other = silent("127.0.0.2");
  auto idle = client();  // from 127.0.0.1
  ASSERT_TRUE(idle);
  ASSERT_EQ(idle->request("GET", "/", {}, "")->status, 200);
  int arriving = silent("127.0.0.1");
  ASSERT_TRUE(accepted(3));
  std::this_thread::sleep_for(milliseconds(50));  // idle now (the grace does not apply here)
  silent("127.0.0.1");
  ASSERT_TRUE(eventually([&] { return server_->stats().evicted == 1; }));
  EXPECT_FALSE(idle->request("GET", "/", {}, "").ok());
  EXPECT_FALSE(closed_within(arriving, milliseconds(200)));
  EXPECT_FALSE(closed_within(other, milliseconds(10)));
}

TEST_F(HttpLimitsTest, SilentConnectionIsClosedAtTheHeadDeadline) {
  ServerLimits l;
  l.head_timeout = milliseconds(600);
  start(l);
  int fd = silent();
  EXPECT_FALSE(closed_within(fd, milliseconds(400)));
  EXPECT_TRUE(closed_within(fd, milliseconds(1500)));
}

// Sends text one byte every 50 ms over TLS until the server closes; how long that took from the
// start of the connection, and how many bytes went.
struct Trickle {
  milliseconds took{0};
  size_t sent = 0;
  bool closed = false;
};
Trickle trickle(int port, const crypto::TlsContext& tls, const std::string& prefix,
                std::chrono::seconds give_up) {
  Trickle t;
  auto t0 = std::chrono::steady_clock::now();
  int fd = *tcp_connect("127.0.0.1", port, 5);
  auto conn = crypto::TlsConnection::connect(tls, fd, "");
  if (!conn) return t;
  if (!prefix.empty() &&
      !conn->write(reinterpret_cast<const uint8_t*>(prefix.data()), prefix.size()))
    return t;
  while (std::chrono::steady_clock::now() - t0 < give_up) {
    uint8_t b = 'a';
    if (!conn->write(&b, 1)) break;
    ++t.sent;
    if (closed_within(fd, milliseconds(50))) break;
  }
  t.took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0);
  t.closed = std::chrono::steady_clock::now() - t0 < give_up;
  return t;
}

TEST_F(HttpLimitsTest, HeadDeadlineIsNotResetByTrickledBytes) {
  ServerLimits l;
  l.head_timeout = milliseconds(700);
  l.request_timeout = milliseconds(10'000);
  start(l);
  auto t =
      trickle(server_->port(), client_tls_, "GET / HTTP/1.1\r\nX-Slow: ", std::chrono::seconds(4));
  EXPECT_TRUE(t.closed);
  EXPECT_GE(t.sent, 5u);
  EXPECT_GE(t.took.count(), 650);
  EXPECT_LT(t.took.count(), 1500);
}

TEST_F(HttpLimitsTest, RequestDeadlineCoversATrickledBody) {
  ServerLimits l;
  l.head_timeout = milliseconds(400);
  l.request_timeout = milliseconds(1000);
  start(l);
  auto t = trickle(server_->port(), client_tls_, "POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\n",
                   std::chrono::seconds(4));
  EXPECT_TRUE(t.closed);
  EXPECT_GE(t.sent, 8u);
  EXPECT_GE(t.took.count(), 950);
  EXPECT_LT(t.took.count(), 1800);
}

TEST_F(HttpLimitsTest, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  ServerLimits l;
  l.idle_timeout = milliseconds(300);
  start(l);
  auto c = client();
  ASSERT_TRUE(c);
  ASSERT_EQ(c->request("GET", "/", {}, "")->status, 200);
  ASSERT_TRUE(eventually([&] { return server_->stats().open == 0; }, milliseconds(1500)));
  EXPECT_FALSE(c->request("GET", "/", {}, "").ok());
}

TEST_F(HttpLimitsTest, WorkerPoolIsBoundedAndAnswers503Beyond) {
  ServerLimits l;
  l.workers = 1;
  l.max_queue = 1;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> entered{0};
  start(l, [&](HttpRequest&) {
    ++entered;
    released.wait();
    return HttpResponse::text(200, "done");
  });
  const StopAtEnd stop{server_.get(), release};
  auto a = client();
  auto b = client();
  auto c = client();
  ASSERT_TRUE(a && b && c);
  auto ra = std::async(std::launch::async, [&] { return a->request("GET", "/", {}, ""); });
  ASSERT_TRUE(eventually([&] { return entered == 1; }));
  auto rb = std::async(std::launch::async, [&] { return b->request("GET", "/", {}, ""); });
  std::this_thread::sleep_for(milliseconds(100));  // b waits in the queue
  auto rc = c->request("GET", "/", {}, "");
  ASSERT_TRUE(rc.ok()) << rc.error().str();
  EXPECT_EQ(rc->status, 503);
  EXPECT_EQ(entered, 1);
  release.set_value();
  EXPECT_EQ(ra.get()->status, 200);
  EXPECT_EQ(rb.get()->status, 200);
  EXPECT_EQ(entered, 2);
  EXPECT_EQ(server_->stats().workers, 1);
}

TEST_F(HttpLimitsTest, IdleAndHandshakingConnectionsHoldNoThread) {
  start({});
  int before = thread_count();
  for (int i = 0; i < 200; ++i) silent("127.0.0." + std::to_string(2 + i % 4));
  std::vector<std::unique_ptr<HttpClient>> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(client());
    ASSERT_TRUE(idle.back());
  }
  ASSERT_TRUE(accepted(220));
  EXPECT_EQ(thread_count(), before);
  EXPECT_EQ(server_->stats().workers, 0);
  EXPECT_EQ(server_->stats().open, 220);
}

TEST_F(HttpLimitsTest, OversizedHeadAndBodyAreRefusedWithTheirStatus) {
  start({});
  auto c = client();
  ASSERT_TRUE(c);
  auto r = c->request("GET", "/", {{"X-Big", std::string(kMaxHeaderBytes + 1, 'a')}}, "");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->header("connection"), "close");
  auto d = client();
  ASSERT_TRUE(d);
  auto big = d->request("POST", "/", {}, std::string(kMaxBodyBytes + 1, 'b'));
  if (big.ok()) {
    EXPECT_EQ(big->status, 413);  // (the server may close before the client has sent it all)
  }
  auto e = client();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->request("POST", "/", {{"Transfer-Encoding", "chunked"}}, "")->status, 411);
}

}  // namespace
}  // namespace gh::net
