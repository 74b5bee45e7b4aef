// HTTP/1.1 message framing without I/O: the head (start line and header fields) and a body framed
// by Content-Length, taken off the front of the bytes received so far. The server and the client
// read through it; so does the fuzz target.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace gh::net {

inline constexpr size_t kMaxHeaderBytes = 16 * 1024;
inline constexpr size_t kMaxBodyBytes = 256 * 1024;

struct HttpMessage {
  std::string start_line;
  std::map<std::string, std::string> headers;  // names lower-cased, values trimmed
  std::string body;
};

// Takes one whole message (head, then Content-Length octets of body) off the front of buffer.
// std::nullopt while buffer holds only the beginning of one (read more and call again); an error
// "http.<status>" when the bytes cannot be a message we accept (is_request picks the status for a
// chunked body: 411 for a request, 400 for a response).
Result<std::optional<HttpMessage>> take_message(std::string& buffer, bool is_request);

// The error for a peer that closed the stream with buffer holding part of a message ("http.400");
// call only with a non-empty buffer.
Error truncated_message(const std::string& buffer);

struct RequestLine {
  std::string method;
  std::string path;
};
// "METHOD SP request-target SP HTTP/..." ("http.400" otherwise).
Result<RequestLine> parse_request_line(std::string_view line);

// "HTTP/1.x NNN ..." -> NNN ("http.response" otherwise).
Result<int> parse_status_line(std::string_view line);

std::string lower_ascii(std::string s);

}  // namespace gh::net
