#include "net/http.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "common/log.h"

namespace gh::net {
namespace {

constexpr int kServerTimeoutS = 15;

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

// Reads one HTTP message from conn, using buffer for bytes already read. std::nullopt at a clean
// end of stream before any byte.
Result<std::optional<HttpMessage>> read_message(crypto::TlsConnection& conn, std::string& buffer,
                                                bool is_request) {
  uint8_t chunk[16384];
  for (;;) {
    auto m = TRY(take_message(buffer, is_request));
    if (m) return m;
    auto n = conn.read(chunk, sizeof chunk);
    if (!n) return n.error();
    if (*n == 0) {
      if (buffer.empty()) return std::optional<HttpMessage>();
      return truncated_message(buffer);
    }
    buffer.append(reinterpret_cast<char*>(chunk), *n);
  }
}

}  // namespace

std::string HttpRequest::header(const std::string& name) const {
  auto it = headers.find(lower_ascii(name));
  return it == headers.end() ? "" : it->second;
}

std::string ClientResponse::header(const std::string& name) const {
  auto it = headers.find(lower_ascii(name));
  return it == headers.end() ? "" : it->second;
}

HttpResponse HttpResponse::text(int status, const std::string& body) {
  return HttpResponse{status, "text/plain; charset=utf-8", body + "\n", {}};
}

HttpResponse HttpResponse::refusal(int status, const std::string& check,
                                   const std::string& reason) {
  return text(status, check + ": " + reason);
}

Error ClientResponse::refusal(const std::string& what, const std::string& fallback_check) const {
  std::string text = body;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  std::string check = text.substr(0, text.find(':'));
  if (check.empty() || check.find(' ') != std::string::npos) check = fallback_check;
  return make_error(check, what + " (" + std::to_string(status) + "): " + text);
}

Result<Url> Url::parse(const std::string& url) {
  if (url.rfind("https://", 0) != 0) return make_error("url.scheme", "not an https URL: " + url);
  Url u;
  std::string rest = url.substr(8);
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (authority.empty()) return make_error("url.host", "no host in " + url);
  if (authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) return make_error("url.host", "bad IPv6 literal in " + url);
    u.host = authority.substr(1, close - 1);
    authority = authority.substr(close + 1);
    if (!authority.empty() && authority[0] == ':') u.port = std::atoi(authority.c_str() + 1);
  } else {
    size_t colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) u.port = std::atoi(authority.c_str() + colon + 1);
  }
  if (u.port <= 0 || u.port > 65535) return make_error("url.port", "bad port in " + url);
  return u;
}

bool media_type_is(const std::string& header, const std::string& want) {
  std::string t = lower_ascii(header.substr(0, header.find(';')));
  return trim(t) == lower_ascii(want);
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const std::string& host, int port,
                                                      crypto::TlsContext tls, Handler handler) {
  std::unique_ptr<HttpServer> s(new HttpServer(std::move(tls), std::move(handler)));
  s->tcp_ = TRY(TcpServer::start(
      host, port, [p = s.get()](int fd) { p->serve(fd); }, kServerTimeoutS));
  return s;
}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::stop() {
  if (tcp_) tcp_->stop();
}

void HttpServer::serve(int fd) {
  auto conn = crypto::TlsConnection::accept(tls_, fd);
  if (!conn) {
    log::debug("http", "handshake failed: " + conn.error().message);
    return;
  }
  Connection state;
  state.id = next_id_++;
  state.peer_chain = conn->peer_chain();
  std::string buffer;
  while (!tcp_->stopping()) {
    auto msg = read_message(*conn, buffer, true);
    HttpResponse resp;
    bool close_after = false;
    if (!msg) {
      const std::string& code = msg.error().code;
      if (code.rfind("http.", 0) != 0) return;  // transport error or timeout
      resp = HttpResponse::text(std::stoi(code.substr(5)), msg.error().message);
      close_after = true;
    } else if (!msg->has_value()) {
      return;  // clean close
    } else {
      const HttpMessage& m = **msg;
      HttpRequest req;
      auto line = parse_request_line(m.start_line);
      if (!line) {
        resp = HttpResponse::text(400, line.error().message);
        close_after = true;
      } else {
        req.method = std::move(line->method);
        req.path = std::move(line->path);
        req.headers = m.headers;
        req.body = m.body;
        req.connection = &state;
        resp = handler_(req);
        close_after = lower_ascii(req.header("connection")) == "close";
      }
    }
    std::string out =
        "HTTP/1.1 " + std::to_string(resp.status) + " " + reason(resp.status) + "\r\n";
    if (!resp.content_type.empty()) out += "Content-Type: " + resp.content_type + "\r\n";
    for (const auto& [k, v] : resp.headers) out += k + ": " + v + "\r\n";
    out += "Content-Length: " + std::to_string(resp.body.size()) + "\r\n";
    if (close_after) out += "Connection: close\r\n";
    out += "\r\n" + resp.body;
    if (!conn->write(reinterpret_cast<const uint8_t*>(out.data()), out.size()) || close_after)
      return;
  }
}

Result<std::unique_ptr<HttpClient>> HttpClient::connect(const std::string& host, int port,
                                                        const crypto::TlsContext& tls,
                                                        int timeout_s,
                                                        const crypto::TlsIdentity* identity) {
  int fd = TRY(tcp_connect(host, port, timeout_s));
  auto conn = TRY(crypto::TlsConnection::connect(tls, fd, host, identity));
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(conn), host));
}

Result<ClientResponse> HttpClient::request(
    const std::string& method, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body) {
  std::string out = method + " " + path + " HTTP/1.1\r\nHost: " + host_ + "\r\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  TRY(tls_.write(reinterpret_cast<const uint8_t*>(out.data()), out.size()));
  auto msg = TRY(read_message(tls_, buffer_, false));
  if (!msg) return make_error("http.closed", "server closed the connection");
  ClientResponse r;
  r.status = TRY(parse_status_line(msg->start_line));
  r.headers = std::move(msg->headers);
  r.body = std::move(msg->body);
  return r;
}

}  // namespace gh::net
