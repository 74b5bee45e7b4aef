// HTTP/1.1 over TLS: a small server (thread per connection, keep-alive, strict limits) and a
// persistent client. No protocol logic here.
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

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  static HttpResponse text(int status, const std::string& body);
  // A refusal: text/plain "<check>: <reason>", so the peer can name the check that failed.
  static HttpResponse refusal(int status, const std::string& check, const std::string& reason);
};

using Handler = std::function<HttpResponse(HttpRequest&)>;

class HttpServer {
 public:
  // Listens on host:port (port 0 picks one) and serves until stop().
  static Result<std::unique_ptr<HttpServer>> start(const std::string& host, int port,
                                                   crypto::TlsContext tls, Handler handler);
  ~HttpServer();
  int port() const { return tcp_->port(); }
  void stop();

 private:
  HttpServer(crypto::TlsContext tls, Handler handler)
      : tls_(std::move(tls)), handler_(std::move(handler)) {}
  void serve(int fd);

  crypto::TlsContext tls_;
  Handler handler_;
  std::atomic<uint64_t> next_id_{1};
  std::unique_ptr<TcpServer> tcp_;
};

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  std::string header(const std::string& name) const;
  // The Error a refusal body names ("<check>: <reason>"); fallback_check when it names none.
  Error refusal(const std::string& what, const std::string& fallback_check) const;
};

// One persistent TLS connection; requests go over it in order.
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
  std::vector<crypto::Certificate> server_chain() const { return tls_.peer_chain(); }
  std::string host() const { return host_; }

 private:
  HttpClient(crypto::TlsConnection tls, std::string host)
      : tls_(std::move(tls)), host_(std::move(host)) {}
  crypto::TlsConnection tls_;
  std::string host_;
  std::string buffer_;
};

// Does a Content-Type header name this media type (parameters and case ignored)?
bool media_type_is(const std::string& header, const std::string& want);

}  // namespace gh::net
