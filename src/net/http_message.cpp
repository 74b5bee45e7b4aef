#include "net/http_message.h"

#include <cctype>

#include "common/encoding.h"

namespace gh::net {

std::string lower_ascii(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Result<std::optional<HttpMessage>> take_message(std::string& buffer, bool is_request) {
  size_t head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    if (buffer.size() > kMaxHeaderBytes) return make_error("http.431", "request headers too large");
    return std::optional<HttpMessage>();
  }
  if (head_end > kMaxHeaderBytes) return make_error("http.431", "request headers too large");
  HttpMessage m;
  std::string_view head(buffer.data(), head_end);
  size_t pos = head.find("\r\n");
  m.start_line = std::string(head.substr(0, pos));
  while (pos != std::string::npos) {
    size_t next = head.find("\r\n", pos + 2);
    std::string_view line =
        head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    pos = next;
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0)
      return make_error("http.400", "malformed header line");
    m.headers[lower_ascii(std::string(line.substr(0, colon)))] =
        trim(std::string(line.substr(colon + 1)));
  }
  if (m.headers.count("transfer-encoding"))
    return make_error(is_request ? "http.411" : "http.400",
                      "chunked bodies are not accepted; send Content-Length");
  size_t length = 0;
  if (auto it = m.headers.find("content-length"); it != m.headers.end()) {
    const std::string& v = it->second;
    if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos)
      return make_error("http.400", "bad Content-Length");
    length = std::stoul(v);
  }
  if (length > kMaxBodyBytes)
    return make_error("http.413", "body larger than " + std::to_string(kMaxBodyBytes) + " bytes");
  size_t body_start = head_end + 4;
  if (buffer.size() - body_start < length) return std::optional<HttpMessage>();
  m.body = buffer.substr(body_start, length);
  buffer.erase(0, body_start + length);
  return std::optional<HttpMessage>(std::move(m));
}

Error truncated_message(const std::string& buffer) {
  if (buffer.find("\r\n\r\n") == std::string::npos)
    return make_error("http.400", "connection closed inside a message head");
  return make_error("http.400", "connection closed inside a body");
}

Result<RequestLine> parse_request_line(std::string_view line) {
  size_t sp1 = line.find(' ');
  size_t sp2 = line.find(' ', sp1 == std::string::npos ? 0 : sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos ||
      line.compare(sp2 + 1, 5, "HTTP/") != 0)
    return make_error("http.400", "malformed request line");
  return RequestLine{std::string(line.substr(0, sp1)),
                     std::string(line.substr(sp1 + 1, sp2 - sp1 - 1))};
}

Result<int> parse_status_line(std::string_view line) {
  // RFC 9112 4: status-line = HTTP-version SP status-code SP [ reason-phrase ]; 3DIGIT.
  if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12 ||
      line.substr(9, 3).find_first_not_of("0123456789") != std::string_view::npos)
    return make_error("http.response", "malformed status line");
  return (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
}

}  // namespace gh::net
