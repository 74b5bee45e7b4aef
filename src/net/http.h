// HTTP/1.1 over TLS: a small server (an event loop for connections, handshakes and requests
// arriving, a bounded worker pool for handlers, keep-alive, strict limits) and a persistent
// client. No protocol logic here.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/result.h"
#include "crypto/tls.h"
#include "net/http_message.h"
#include "net/server_limits.h"
#include "net/tcp.h"

namespace gh::net {

struct Url {
  std::string host;
  int port = 443;
  std::string path = "/";
  static Result<Url> parse(const std::string& url);  // https only
};

// Per-connection state a handler may keep across requests on one TLS session.
struct Connection {
  uint64_t id = 0;
  std::vector<crypto::Certificate> peer_chain;  // the client's certificates, leaf first
  std::map<std::string, std::string> attributes;
};

struct HttpRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  Connection* connection = nullptr;
  std::string header(const std::string& name) const;
};

// The rest of a response's body, made while it is written (a Server-Sent Events feed). The server
// sends the head and `body` at once, then, on the worker that ran the handler, asks next() for
// more and sends each piece as one chunk (Transfer-Encoding: chunked) until next() says the body
// is over, the peer leaves or the server stops; then the connection closes. The stream holds that
// worker for its life, so a handler that returns one bounds how many it hands out. While the
// peer is behind by kStreamBuffered bytes next() is not called; a peer that takes nothing for
// ServerLimits::write_timeout is dropped.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Waits up to about wait_s: the next piece ("" when nothing came), nullopt when the body ends.
  virtual std::optional<std::string> next(double wait_s) = 0;
};
inline constexpr size_t kStreamBuffered = 256 * 1024;

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<BodyStream> stream;  // set: a streamed response (see BodyStream)
  static HttpResponse text(int status, const std::string& body);
  // A refusal: text/plain "<check>: <reason>", so the peer can name the check that failed.
  static HttpResponse refusal(int status, const std::string& check, const std::string& reason);
};

using Handler = std::function<HttpResponse(HttpRequest&)>;

// Handlers run on worker threads, several at once (one request at a time per connection).
class HttpServer {
 public:
  // Listens on host:port (port 0 picks one) and serves until stop().
  static Result<std::unique_ptr<HttpServer>> start(const std::string& host, int port,
                                                   crypto::TlsContext tls, Handler handler,
                                                   const ServerLimits& limits = {});
  ~HttpServer();
  int port() const;
  // Connections admitted, refused and evicted so far, open now, worker threads started.
  ServerStats stats() const;
  void stop();

 private:
  class Conn;
  HttpServer(crypto::TlsContext tls, Handler handler);

  crypto::TlsContext tls_;
  Handler handler_;
  std::atomic<uint64_t> next_id_{1};
  std::unique_ptr<ServerLoop> loop_;
};

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  std::string header(const std::string& name) const;
  // The Error a refusal body names ("<check>: <reason>"); fallback_check when it names none.
  Error refusal(const std::string& what, const std::string& fallback_check) const;
};

// What one response may cost the client: its body's size, and the time the whole response may
// take (0: only the socket's receive timeout, which a trickling peer can keep resetting).
struct ResponseLimits {
  size_t max_body = kMaxBodyBytes;
  double deadline_s = 0;
};

// One persistent TLS connection; requests go over it in order. Errors name the peer
// ("127.0.0.1:8443: ...") and say "timed out" or "refused" where that is what happened.
class HttpClient {
 public:
  // identity: the client credential for this connection, over the context's.
  static Result<std::unique_ptr<HttpClient>> connect(const std::string& host, int port,
                                                     const crypto::TlsContext& tls,
                                                     int timeout_s = 10,
                                                     const crypto::TlsIdentity* identity = nullptr);
  Result<ClientResponse> request(const std::string& method, const std::string& path,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 const std::string& body);
  // "http.413" for a body over limits.max_body, "http.slow" past the deadline.
  Result<ClientResponse> request(const std::string& method, const std::string& path,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 const std::string& body, const ResponseLimits& limits);
  std::vector<crypto::Certificate> server_chain() const { return tls_.peer_chain(); }
  std::string host() const { return host_; }

 private:
  HttpClient(crypto::TlsConnection tls, std::string host, std::string peer)
      : tls_(std::move(tls)), host_(std::move(host)), peer_(std::move(peer)) {}
  Result<ClientResponse> exchange(const std::string& out, const ResponseLimits& limits);
  crypto::TlsConnection tls_;
  std::string host_;
  std::string peer_;  // "host:port", named in errors
  std::string buffer_;
};

// Does a Content-Type header name this media type (parameters and case ignored)?
bool media_type_is(const std::string& header, const std::string& want);

}  // namespace gh::net
