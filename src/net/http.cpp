#include "net/http.h"

#include <cstdlib>

#include "common/time.h"

namespace gh::net {
namespace {

struct Message {
  std::string start_line;
  std::map<std::string, std::string> headers;
  std::string body;
};

// Reads one response from conn, using buffer for bytes already read. nullopt at a clean end of
// stream before any byte.
Result<std::optional<Message>> read_response(crypto::TlsConnection& conn, std::string& buffer,
                                             const ResponseLimits& limits) {
  uint8_t chunk[16384];
  std::optional<MessageHead> head;
  const double deadline = limits.deadline_s > 0 ? time::monotonic() + limits.deadline_s : 0;
  auto read_more = [&]() -> Result<size_t> {
    auto n = conn.read(chunk, sizeof chunk);
    if (!n) return n.error();
    // A peer that trickles bytes resets the socket's receive timeout with each one: the deadline
    // bounds the whole response (slow retrieval).
    if (deadline > 0 && time::monotonic() > deadline)
      return make_error("http.slow", "timed out: the response took longer than " +
                                         std::to_string(static_cast<int>(limits.deadline_s)) +
                                         " s");
    buffer.append(reinterpret_cast<char*>(chunk), *n);
    return *n;
  };
  while (!(head = TRY(parse_head(buffer, false, limits.max_body)))) {
    if (TRY(read_more()) == 0) {
      if (buffer.empty()) return std::optional<Message>();
      return make_error("http.400", "connection closed inside a message head");
    }
  }
  buffer.erase(0, head->head_bytes);
  while (buffer.size() < head->content_length)
    if (TRY(read_more()) == 0) return make_error("http.400", "connection closed inside a body");
  Message m{std::move(head->start_line), std::move(head->headers),
            buffer.substr(0, head->content_length)};
  buffer.erase(0, head->content_length);
  return std::optional<Message>(std::move(m));
}

}  // namespace

std::string HttpRequest::header(const std::string& name) const {
  auto it = headers.find(ascii_lower(name));
  return it == headers.end() ? "" : it->second;
}

std::string ClientResponse::header(const std::string& name) const {
  auto it = headers.find(ascii_lower(name));
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
  std::string t = ascii_lower(header.substr(0, header.find(';')));
  return trim(t) == ascii_lower(want);
}

Result<std::unique_ptr<HttpClient>> HttpClient::connect(const std::string& host, int port,
                                                        const crypto::TlsContext& tls,
                                                        int timeout_s,
                                                        const crypto::TlsIdentity* identity) {
  int fd = TRY(tcp_connect(host, port, timeout_s));
  const std::string peer = peer_name(host, port);
  auto conn = crypto::TlsConnection::connect(tls, fd, host, identity);
  if (!conn) return conn.error().context(peer);
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(*conn), host, peer));
}

Result<ClientResponse> HttpClient::request(
    const std::string& method, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body) {
  return request(method, path, headers, body, ResponseLimits{});
}

Result<ClientResponse> HttpClient::request(
    const std::string& method, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
    const ResponseLimits& limits) {
  std::string out = method + " " + path + " HTTP/1.1\r\nHost: " + host_ + "\r\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  auto r = exchange(out, limits);
  if (!r) return r.error().context(peer_);
  return r;
}

Result<ClientResponse> HttpClient::exchange(const std::string& out, const ResponseLimits& limits) {
  TRY(tls_.write(reinterpret_cast<const uint8_t*>(out.data()), out.size()));
  auto msg = TRY(read_response(tls_, buffer_, limits));
  if (!msg) return make_error("http.closed", "server closed the connection");
  ClientResponse r;
  const std::string& line = msg->start_line;
  if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12)
    return make_error("http.response", "malformed status line");
  r.status = std::atoi(line.c_str() + 9);
  r.headers = std::move(msg->headers);
  r.body = std::move(msg->body);
  return r;
}

}  // namespace gh::net
