#include "net/http_message.h"

#include <cstdio>

#include "common/encoding.h"
#include "net/http.h"

namespace gh::net {
namespace {

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
    case 302:
      return "Found";
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

}  // namespace

std::string ascii_lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Result<std::optional<MessageHead>> parse_head(std::string_view buffer, bool is_request,
                                              size_t max_body) {
  size_t head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (buffer.size() > kMaxHeaderBytes) return make_error("http.431", "request headers too large");
    return std::optional<MessageHead>();
  }
  if (head_end > kMaxHeaderBytes) return make_error("http.431", "request headers too large");
  MessageHead m;
  m.head_bytes = head_end + 4;
  std::string_view head = buffer.substr(0, head_end);
  size_t pos = head.find("\r\n");
  m.start_line = std::string(head.substr(0, pos));
  while (pos != std::string_view::npos) {
    size_t next = head.find("\r\n", pos + 2);
    std::string_view line = head.substr(
        pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
    pos = next;
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return make_error("http.400", "malformed header line");
    m.headers[ascii_lower(std::string(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  if (m.headers.count("transfer-encoding"))
    return make_error(is_request ? "http.411" : "http.400",
                      "chunked bodies are not accepted; send Content-Length");
  if (auto it = m.headers.find("content-length"); it != m.headers.end()) {
    const std::string& v = it->second;
    if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos)
      return make_error("http.400", "bad Content-Length");
    m.content_length = std::stoul(v);
  }
  if (m.content_length > max_body)
    return make_error("http.413", "body larger than " + std::to_string(max_body) + " bytes");
  return std::optional<MessageHead>(std::move(m));
}

Result<RequestLine> parse_request_line(const std::string& line) {
  size_t sp1 = line.find(' ');
  size_t sp2 = line.find(' ', sp1 == std::string::npos ? 0 : sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos ||
      line.compare(sp2 + 1, 5, "HTTP/") != 0)
    return make_error("http.400", "malformed request line");
  return RequestLine{line.substr(0, sp1), line.substr(sp1 + 1, sp2 - sp1 - 1)};
}

namespace {
std::string status_and_headers(const HttpResponse& resp) {
  std::string out = "HTTP/1.1 " + std::to_string(resp.status) + " " + reason(resp.status) + "\r\n";
  if (!resp.content_type.empty()) out += "Content-Type: " + resp.content_type + "\r\n";
  for (const auto& [k, v] : resp.headers) out += k + ": " + v + "\r\n";
  return out;
}
}  // namespace

std::string format_stream_head(const HttpResponse& resp, bool chunked) {
  std::string out = status_and_headers(resp);
  if (!chunked) return out + "Connection: close\r\n\r\n" + resp.body;
  return out + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + http_chunk(resp.body);
}

std::string format_response(const HttpResponse& resp, bool close_after) {
  if (resp.stream) return format_stream_head(resp, true);
  std::string out = status_and_headers(resp);
  out += "Content-Length: " + std::to_string(resp.body.size()) + "\r\n";
  if (close_after) out += "Connection: close\r\n";
  out += "\r\n" + resp.body;
  return out;
}

std::string http_chunk(std::string_view data) {
  if (data.empty()) return "";
  char size[24];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out = size;
  out.append(data);
  return out + "\r\n";
}

}  // namespace gh::net
