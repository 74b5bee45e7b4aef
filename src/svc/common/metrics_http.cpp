#include "svc/common/metrics_http.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace gh::svc::metrics {
namespace {

// A scrape's request is a line and a few headers.
constexpr size_t kMaxHead = 8192;
constexpr int kTimeoutS = 10;

std::string answer(int status, const std::string& reason, const std::string& type,
                   const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra +
         "Connection: close\r\nCache-Control: no-store\r\n\r\n" + body;
}

// The request head is complete at its empty line; past kMaxHead it never will be.
Result<size_t> head_extent(const Bytes& received) {
  std::string_view s(reinterpret_cast<const char*>(received.data()), received.size());
  if (size_t end = s.find("\r\n\r\n"); end != std::string_view::npos) return end + 4;
  if (received.size() > kMaxHead) return make_error("http.size", "request head too large");
  return size_t{0};
}

void send_all(int fd, const std::string& out) {
  size_t sent = 0;
  while (sent < out.size()) {
    ssize_t w = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;  // the scraper went away, or its receive stalled past the timeout
    sent += static_cast<size_t>(w);
  }
}

}  // namespace

std::string HttpEndpoint::respond(const std::string& head,
                                  const std::function<std::string()>& scrape) {
  const std::string text = "text/plain; charset=utf-8";
  size_t eol = head.find("\r\n");
  if (eol == std::string::npos || head.size() > kMaxHead + 4)
    return answer(400, "Bad Request", text, "a request line, then headers, within 8 KiB\n");
  // request-line = method SP request-target SP HTTP-version (RFC 9112 3)
  std::string line = head.substr(0, eol);
  size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1 || line.compare(sp2 + 1, 7, "HTTP/1.") != 0)
    return answer(400, "Bad Request", text, "not an HTTP/1.x request line\n");
  std::string method = line.substr(0, sp1);
  std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (size_t q = target.find('?'); q != std::string::npos) target.resize(q);
  if (target != "/metrics") return answer(404, "Not Found", text, "only /metrics here\n");
  if (method != "GET" && method != "HEAD")
    return answer(405, "Method Not Allowed", text, "GET only\n", "Allow: GET, HEAD\r\n");
  std::string body = scrape();
  std::string out = answer(200, "OK", kContentType, body);
  if (method == "HEAD") out.resize(out.size() - body.size());
  return out;
}

Result<std::unique_ptr<HttpEndpoint>> HttpEndpoint::start(const std::string& host, int port,
                                                          const std::string& name,
                                                          std::function<std::string()> scrape) {
  std::unique_ptr<HttpEndpoint> e(new HttpEndpoint());
  e->scrape_ = std::move(scrape);
  // Scrapers are few: a handful of connections and workers is plenty.
  e->limits_.max_connections = 32;
  e->limits_.max_per_address = 8;
  e->limits_.workers = 2;
  e->limits_.max_queue = 16;
  HttpEndpoint* self = e.get();
  e->server_ = TRY(net::TcpServer::start(
      host, port, head_extent,
      [self](int fd, Bytes received) {
        send_all(fd, respond(std::string(received.begin(), received.end()), self->scrape_));
        ::shutdown(fd, SHUT_WR);
        ::close(fd);
      },
      kTimeoutS, e->limits_));
  e->stats_ = Registry::process().collect([self, name](Registry& r) {
    server_metrics(r, name, self->server_->stats(), self->limits_);
  });
  return e;
}

HttpEndpoint::~HttpEndpoint() {
  stop();
}

int HttpEndpoint::port() const {
  return server_->port();
}

void HttpEndpoint::stop() {
  stats_ = Registry::Collection();
  if (server_) server_->stop();
}

}  // namespace gh::svc::metrics
