// HttpServer on the event loop: the TLS handshake and the request (head and body) are read in the
// loop under the head and request deadlines; a complete request goes to a worker, which runs the
// handler; the response is written from the loop, so a peer that reads slowly holds no thread.
// A streamed response (BodyStream) keeps its worker, which makes the pieces and posts them to the
// loop; the loop writes them and tells the worker when the peer has gone.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <thread>

#include "common/log.h"
#include "net/http.h"
#include "net/server_loop.h"

namespace gh::net {
namespace {

constexpr size_t kReadChunk = 16384;
constexpr std::string_view kHeadEnd = "\r\n\r\n";
// How long a stream's worker waits in BodyStream::next() before it looks at the connection again.
constexpr double kStreamStepS = 0.25;

// What a streamed response's worker and the loop share: whether the connection is gone, and how
// many posted bytes the loop has not written yet.
struct StreamShared {
  std::atomic<bool> gone{false};
  std::atomic<size_t> unsent{0};
};

// The address of the socket's peer, without its port ("" when it has none).
std::string peer_ip(int fd) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  char host[INET6_ADDRSTRLEN] = "";
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return "";
  if (a.ss_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&a)->sin_addr, host, sizeof host);
  else if (a.ss_family == AF_INET6)
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&a)->sin6_addr, host, sizeof host);
  return host;
}

}  // namespace

class HttpServer::Conn : public LoopConnection {
 public:
  Conn(ServerLoop& loop, int fd, HttpServer& server) : LoopConnection(loop, fd), server_(server) {}

  void start() override {
    auto tls = crypto::TlsConnection::accept_nonblocking(server_.tls_, fd());
    if (!tls) {
      log::debug("http", tls.error().str());
      return close();
    }
    tls_.emplace(std::move(*tls));
    state_.id = server_.next_id_++;
    state_.attributes["peer_ip"] = peer_ip(fd());
    begin_request();
    handshake();
  }

  void on_ready(uint32_t) override {
    switch (stage_) {
      case Stage::kHandshake:
        return handshake();
      case Stage::kRead:
        return read();
      case Stage::kWrite:
        return write();
      case Stage::kStream:
        return stream_ready();
      case Stage::kHandler:
        return;  // not watched meanwhile
    }
  }

  void on_deadline() override {
    log::debug("http", std::string("connection closed: ") +
                           (phase() == Phase::kIdle ? "idle keep-alive timeout"
                            : stage_ == Stage::kWrite || stage_ == Stage::kStream
                                ? "the peer did not take its response"
                            : stage_ == Stage::kHandshake ? "no TLS handshake in time"
                                                          : "no complete request in time"));
    close();
  }

  void on_close() override {
    shared_->gone = true;
    if (tls_) tls_->close();
  }

 private:
  enum class Stage { kHandshake, kRead, kHandler, kWrite, kStream };

  void wait_for(crypto::TlsWait w) { want(w == crypto::TlsWait::kWritable ? EPOLLOUT : EPOLLIN); }

  // A request starts with the connection, or with the first byte after a keep-alive pause.
  void begin_request() {
    const auto& l = loop().limits();
    enter(Phase::kArriving, LoopClock::now() + std::min(l.head_timeout, l.request_timeout));
    request_start_ = LoopClock::now();
    scanned_ = 0;
  }

  void handshake() {
    auto w = tls_->handshake_step();
    if (!w) {
      log::debug("http", "handshake failed: " + w.error().message);
      return close();
    }
    if (*w != crypto::TlsWait::kNothing) return wait_for(*w);
    stage_ = Stage::kRead;
    read();  // the request may be in OpenSSL's buffer already
  }

  void read() {
    uint8_t chunk[kReadChunk];
    while (!take_request()) {
      auto io = tls_->read_some(chunk, sizeof chunk);
      if (!io || io->end) return close();  // an error, or the peer is done (maybe mid-request)
      if (io->bytes == 0) return wait_for(io->wait);
      if (phase() == Phase::kIdle) begin_request();
      buffer_.append(reinterpret_cast<const char*>(chunk), io->bytes);
    }
  }

  // Hands a complete request to a worker, or answers a broken one; false while it is arriving.
  bool take_request() {
    if (!head_) {
      // Only the new bytes are searched for the end of the head (a trickle must not cost a scan
      // of the whole buffer per byte).
      size_t from = scanned_ > 3 ? scanned_ - 3 : 0;
      scanned_ = buffer_.size();
      if (buffer_.find(kHeadEnd, from) == std::string::npos && buffer_.size() <= kMaxHeaderBytes)
        return false;
      const auto& body_limit = loop().limits().http_body_limit;
      auto head = parse_head(buffer_, true, body_limit ? kMaxBodyCeiling : kMaxBodyBytes);
      if (!head) return refuse(head.error());
      if (body_limit && *head) {
        const size_t limit =
            std::min(body_limit(**head, state_.attributes["peer_ip"]), kMaxBodyCeiling);
        if ((*head)->content_length > limit)
          return refuse(
              make_error("http.413", "body larger than " + std::to_string(limit) + " bytes"));
      }
      head_ = std::move(*head);
      // The head is in: what is left of the request's time is the body's.
      enter(Phase::kArriving, request_start_ + loop().limits().request_timeout);
    }
    if (buffer_.size() < head_->head_bytes + head_->content_length) return false;
    auto line = parse_request_line(head_->start_line);
    if (!line) return refuse(line.error());
    // An HTTP/1.0 peer knows no chunked coding: a stream goes to it unframed (RFC 9112 6.1).
    const std::string& start = head_->start_line;
    const bool http10 = start.size() >= 8 && start.compare(start.size() - 8, 8, "HTTP/1.0") == 0;
    HttpRequest req;
    req.method = std::move(line->method);
    req.path = std::move(line->target);
    req.headers = std::move(head_->headers);
    req.body = buffer_.substr(head_->head_bytes, head_->content_length);
    buffer_.erase(0, head_->head_bytes + head_->content_length);
    if (buffer_.empty()) buffer_.shrink_to_fit();  // an idle connection holds no body's worth
    head_.reset();
    scanned_ = 0;
    dispatch(std::move(req), http10);
    return true;
  }

  bool refuse(const Error& e) {
    send(format_response(HttpResponse::text(std::stoi(e.code.substr(5)), e.message), true), true);
    return true;
  }

  void dispatch(HttpRequest req, bool http10) {
    stage_ = Stage::kHandler;
    want(0);
    enter(Phase::kBusy, LoopClock::time_point::max());
    bool close_after = ascii_lower(req.header("connection")) == "close";
    bool first = !chain_read_;
    chain_read_ = true;
    ServerLoop& l = loop();
    // The worker has the connection's state and TLS session to itself until it posts back: the
    // loop neither watches nor closes a busy connection.
    bool queued =
        l.submit([&l, &server = server_, id = id(), state = &state_, tls = &*tls_, shared = shared_,
                  req = std::move(req), close_after, first, http10]() mutable {
          if (first) state->peer_chain = tls->peer_chain();
          req.connection = state;
          // A handler's exception (a library edge that threw where no check foresaw it) is this
          // request's 500, never the end of the server.
          HttpResponse resp;
          try {
            resp = server.handler_(req);
          } catch (const std::exception& e) {
            log::error("http", std::string("handler threw: ") + e.what());
            resp = HttpResponse::text(500, "internal error");
          }
          if (resp.stream)
            return pump(l, id, *shared, format_stream_head(resp, !http10), *resp.stream, !http10);
          std::string out = format_response(resp, close_after);
          l.post(id, [out = std::move(out), close_after](LoopConnection& c) mutable {
            static_cast<Conn&>(c).send(std::move(out), close_after);
          });
        });
    if (!queued) {
      log::warn("http", "every worker busy and the queue full: 503");
      send(format_response(HttpResponse::text(503, "server busy, try again"), true), true);
    }
  }

  // The worker's part of a streamed response: the head, then each piece next() makes, while the
  // connection is open, the server runs and the peer is less than kStreamBuffered behind; the
  // last chunk when the body ends. Everything reaches the connection through the loop.
  static void pump(ServerLoop& l, uint64_t id, StreamShared& shared, std::string head,
                   BodyStream& body, bool chunked) {
    auto post = [&](std::string bytes, bool last) {
      shared.unsent += bytes.size();
      l.post(id, [bytes = std::move(bytes), last](LoopConnection& c) mutable {
        static_cast<Conn&>(c).stream_out(std::move(bytes), last);
      });
    };
    post(std::move(head), false);
    while (!shared.gone && !l.stopping()) {
      if (shared.unsent >= kStreamBuffered) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      std::optional<std::string> piece;
      try {
        piece = body.next(kStreamStepS);
      } catch (const std::exception& e) {
        log::error("http", std::string("stream threw: ") + e.what());
        return post("", true);  // no last chunk: a chunked peer sees a cut-short body
      }
      if (!piece) return post(chunked ? std::string(kLastChunk) : std::string(), true);
      if (!piece->empty()) post(chunked ? http_chunk(*piece) : std::move(*piece), false);
    }
  }

  // Loop thread: bytes of a streamed response; last: close once they are written.
  void stream_out(std::string bytes, bool last) {
    if (stage_ != Stage::kStream) {
      stage_ = Stage::kStream;
      out_.clear();
      written_ = 0;
    }
    const bool idle = written_ == out_.size();
    out_ += bytes;
    close_after_ = close_after_ || last;
    if (idle) enter(Phase::kBusy, LoopClock::now() + loop().limits().write_timeout);
    stream_write();
  }

  void stream_ready() {
    // The peer has nothing more to say on this connection: its end (or anything it sends, which
    // no request may follow a streamed response with) ends the stream.
    uint8_t chunk[512];
    auto in = tls_->read_some(chunk, sizeof chunk);
    if (!in || in->end || in->bytes > 0) return close();
    stream_write();
  }

  void stream_write() {
    while (written_ < out_.size()) {
      auto io = tls_->write_some(reinterpret_cast<const uint8_t*>(out_.data()) + written_,
                                 out_.size() - written_);
      if (!io) return close();
      if (io->bytes == 0) {
        // What went out goes from the buffer now and then: a peer that keeps taking, but never
        // all, must not grow it.
        if (written_ >= kReadChunk * 4) {
          out_.erase(0, written_);
          written_ = 0;
        }
        want(io->wait == crypto::TlsWait::kWritable ? EPOLLIN | EPOLLOUT : EPOLLIN);
        return;
      }
      written_ += io->bytes;
      shared_->unsent -= io->bytes;
      // Taking bytes is progress: the write deadline starts again.
      enter(Phase::kBusy, LoopClock::now() + loop().limits().write_timeout);
    }
    out_.clear();
    written_ = 0;
    if (close_after_) return close();
    // All out: wait for more from the worker, and watch for the peer leaving.
    enter(Phase::kBusy, LoopClock::time_point::max());
    want(EPOLLIN);
  }

  void send(std::string out, bool close_after) {
    stage_ = Stage::kWrite;
    out_ = std::move(out);
    written_ = 0;
    close_after_ = close_after;
    enter(Phase::kBusy, LoopClock::now() + loop().limits().write_timeout);
    write();
  }

  void write() {
    while (written_ < out_.size()) {
      auto io = tls_->write_some(reinterpret_cast<const uint8_t*>(out_.data()) + written_,
                                 out_.size() - written_);
      if (!io) return close();
      if (io->bytes == 0) return wait_for(io->wait);
      written_ += io->bytes;
    }
    if (close_after_) return close();
    out_ = std::string();
    stage_ = Stage::kRead;
    if (buffer_.empty()) {
      enter(Phase::kIdle, LoopClock::now() + loop().limits().idle_timeout);
    } else {
      begin_request();  // pipelined: the next request is here already
    }
    read();
  }

  HttpServer& server_;
  std::optional<crypto::TlsConnection> tls_;
  std::shared_ptr<StreamShared> shared_ = std::make_shared<StreamShared>();
  Connection state_;
  bool chain_read_ = false;
  Stage stage_ = Stage::kHandshake;
  LoopClock::time_point request_start_{};
  std::string buffer_;
  size_t scanned_ = 0;  // buffer_ searched for the end of the head up to here
  std::optional<MessageHead> head_;
  std::string out_;
  size_t written_ = 0;
  bool close_after_ = false;
};

Result<std::unique_ptr<HttpServer>> HttpServer::start(const std::string& host, int port,
                                                      crypto::TlsContext tls, Handler handler,
                                                      const ServerLimits& limits) {
  std::unique_ptr<HttpServer> s(new HttpServer(std::move(tls), std::move(handler)));
  s->loop_ = TRY(ServerLoop::start(host, port, limits, [p = s.get()](ServerLoop& loop, int fd) {
    return std::make_unique<Conn>(loop, fd, *p);
  }));
  return s;
}

HttpServer::HttpServer(crypto::TlsContext tls, Handler handler)
    : tls_(std::move(tls)), handler_(std::move(handler)) {}

HttpServer::~HttpServer() {
  stop();
}

int HttpServer::port() const {
  return loop_->port();
}

ServerStats HttpServer::stats() const {
  return loop_->stats();
}

void HttpServer::stop() {
  if (loop_) loop_->stop();
}

}  // namespace gh::net
