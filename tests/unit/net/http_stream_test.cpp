// Streamed responses (BodyStream): the head at once, each piece as a chunk as it is made, the end;
// a peer that leaves ends the stream, a peer that takes nothing holds a bounded amount and is
// dropped after the write deadline, and the server stops with a stream open.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "net/http.h"
#include "pki/profiles.h"
#include "raw_socket.h"

namespace gh::net {
namespace {

using std::chrono::milliseconds;
using testing::eventually;
using testing::StreamReader;

// Pieces the test hands over one at a time, or an endless supply of big ones; counts what it made
// and says when the server let it go.
struct Source : BodyStream {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::optional<std::string>> queue;  // nullopt: the end
  std::atomic<size_t> endless{0};                 // > 0: pieces of this size, forever
  std::atomic<size_t> made{0};
  std::atomic<bool>* released = nullptr;

  ~Source() override {
    if (released) *released = true;
  }
  void give(std::optional<std::string> piece) {
    std::lock_guard<std::mutex> lock(mu);
    queue.push_back(std::move(piece));
    cv.notify_all();
  }
  std::optional<std::string> next(double wait_s) override {
    if (const size_t n = endless) {
      made += n;
      return std::string(n, 'x');
    }
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, std::chrono::duration<double>(wait_s), [&] { return !queue.empty(); }))
      return std::string();
    auto piece = std::move(queue.front());
    queue.erase(queue.begin());
    if (piece) made += piece->size();
    return piece;
  }
};

class HttpStreamTest : public ::testing::Test {
 protected:
  void start(const ServerLimits& limits = {}) {
    source_ = std::make_shared<Source>();
    source_->released = &released_;
    feed_ = source_.get();
    auto k = *crypto::PrivateKey::generate(crypto::Curve::kP256);
    auto c = *crypto::issue_certificate(pki::domain_ca("t", k.public_key()), nullptr, k);
    auto s = HttpServer::start(
        "127.0.0.1", 0, *crypto::TlsContext::server({c, {}, k}),
        [this](HttpRequest& r) {
          if (r.path != "/feed") return HttpResponse::text(200, "plain " + r.path);
          HttpResponse resp{200, "text/event-stream", "hello\n", {}};
          std::lock_guard<std::mutex> lock(mu_);
          resp.stream = std::move(source_);  // the response holds it from here
          return resp;
        },
        limits);
    ASSERT_TRUE(s.ok()) << s.error().str();
    server_ = std::move(*s);
  }
  void TearDown() override {
    if (server_) server_->stop();
  }
  // Opens the feed; the stream is the server's then (the test keeps a pointer to feed it, and
  // released_ says when it is gone).
  Source* open_feed(StreamReader& r, int receive_buffer = 0) {
    EXPECT_TRUE(r.open(server_->port(), client_tls_, "GET /feed HTTP/1.1\r\nHost: t\r\n\r\n",
                       receive_buffer));
    return feed_;
  }

  std::unique_ptr<HttpServer> server_;
  std::mutex mu_;
  std::shared_ptr<Source> source_;
  Source* feed_ = nullptr;
  std::atomic<bool> released_{false};
  crypto::TlsContext client_tls_ = *crypto::TlsContext::client(nullptr, {}, "");
};

TEST_F(HttpStreamTest, EachPieceGoesOutAsAChunkWhenItIsMadeAndTheLastChunkEndsIt) {
  start();
  StreamReader r;
  Source* feed = open_feed(r);
  // The head and the body so far arrive before the stream has made anything.
  ASSERT_TRUE(r.read_until("hello\n\r\n", milliseconds(3000))) << r.text;
  EXPECT_EQ(r.text.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r.text;
  EXPECT_NE(r.text.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(r.text.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(r.text.find("Content-Length"), std::string::npos);
  EXPECT_NE(r.text.find("\r\n\r\n6\r\nhello\n\r\n"), std::string::npos) << r.text;
  // Each piece is read before the next exists: nothing waits for the end of the body.
  feed->give("first piece");
  ASSERT_TRUE(r.read_until("b\r\nfirst piece\r\n", milliseconds(3000))) << r.text;
  EXPECT_FALSE(r.ended);
  feed->give("");  // nothing yet: no empty chunk (that would end the body)
  feed->give(std::string(40'000, 'y'));
  ASSERT_TRUE(r.read_until("9c40\r\n" + std::string(40'000, 'y') + "\r\n", milliseconds(3000)));
  EXPECT_EQ(r.text.find("\r\n0\r\n\r\n"), std::string::npos) << "an empty piece ended the body";
  feed->give(std::nullopt);
  ASSERT_TRUE(r.read_until("\r\n0\r\n\r\n", milliseconds(3000))) << r.text.substr(0, 200);
  r.read_some(milliseconds(2000));
  EXPECT_TRUE(r.ended);  // and the connection closes after it
  EXPECT_TRUE(eventually([&] { return released_.load(); }));
}

TEST_F(HttpStreamTest, AnHttp10PeerGetsTheBodyUnframedAndItsEndIsTheClose) {
  start();
  StreamReader r;
  ASSERT_TRUE(r.open(server_->port(), client_tls_, "GET /feed HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(r.read_until("\r\n\r\nhello\n", milliseconds(3000))) << r.text;
  EXPECT_EQ(r.text.find("Transfer-Encoding"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("Connection: close\r\n"), std::string::npos);
  feed_->give("more\n");
  ASSERT_TRUE(r.read_until("hello\nmore\n", milliseconds(3000))) << r.text;
  feed_->give(std::nullopt);
  r.read_some(milliseconds(2000));
  r.read_some(milliseconds(500));
  EXPECT_TRUE(r.ended);
  EXPECT_TRUE(r.text.size() >= 11 && r.text.compare(r.text.size() - 11, 11, "hello\nmore\n") == 0)
      << r.text;
}

TEST_F(HttpStreamTest, APeerThatLeavesEndsTheStream) {
  start();
  StreamReader r;
  open_feed(r);
  ASSERT_TRUE(r.read_until("hello\n", milliseconds(3000)));
  r.drop();
  // The stream's worker learns it at its next look (every 250 ms) and lets the stream go.
  EXPECT_TRUE(eventually([&] { return released_.load(); }, milliseconds(3000)));
  EXPECT_TRUE(eventually([&] { return server_->stats().open == 0; }));
}

TEST_F(HttpStreamTest, APeerThatTakesNothingHoldsABoundedBufferAndIsDroppedAtTheWriteDeadline) {
  ServerLimits l;
  l.write_timeout = milliseconds(1500);
  start(l);
  StreamReader r;
  Source* feed = open_feed(r, 16 * 1024);
  feed->endless = 32 * 1024;
  // The peer reads nothing: the stream is asked for more only while the peer is less than
  // kStreamBuffered behind, so what it makes stops growing (socket buffers plus that bound).
  size_t settled = 0;
  ASSERT_TRUE(eventually(
      [&] {
        size_t now = feed->made;
        std::this_thread::sleep_for(milliseconds(300));
        settled = feed->made;
        return settled > 0 && settled == now;
      },
      milliseconds(5000)));
  EXPECT_LT(settled, 16u * 1024 * 1024);
  // With nothing taken for write_timeout the connection goes, and the stream with it.
  EXPECT_TRUE(eventually([&] { return released_.load(); }, milliseconds(5000)));
  EXPECT_TRUE(eventually([&] { return server_->stats().open == 0; }));
}

TEST_F(HttpStreamTest, TheServerStopsWithAStreamOpen) {
  start();
  StreamReader r;
  open_feed(r);
  ASSERT_TRUE(r.read_until("hello\n", milliseconds(3000)));
  auto t0 = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(3000));
  EXPECT_TRUE(released_);
  r.read_some(milliseconds(1000));
  EXPECT_TRUE(r.ended);
}

TEST_F(HttpStreamTest, AnOrdinaryRequestBeforeAStreamKeepsItsConnection) {
  start();
  StreamReader r;
  ASSERT_TRUE(r.open(server_->port(), client_tls_,
                     "GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /feed HTTP/1.1\r\nHost: t\r\n\r\n"));
  Source* feed = feed_;
  ASSERT_TRUE(r.read_until("plain /a\n", milliseconds(3000))) << r.text;
  ASSERT_TRUE(r.read_until("hello\n", milliseconds(3000))) << r.text;
  feed->give("more");
  EXPECT_TRUE(r.read_until("4\r\nmore\r\n", milliseconds(3000))) << r.text;
}

}  // namespace
}  // namespace gh::net
