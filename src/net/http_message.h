// HTTP/1.1 message framing (RFC 9112), no I/O: where a message head ends, what it says, how long
// the body is, and the bytes of a response. The server's event loop and the blocking client both
// frame through here.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace gh::net {

inline constexpr size_t kMaxHeaderBytes = 16 * 1024;
inline constexpr size_t kMaxBodyBytes = 256 * 1024;
// The most any server route may take (ServerLimits::http_body_limit), a large bundle's worth.
inline constexpr size_t kMaxBodyCeiling = 64 * 1024 * 1024;

struct MessageHead {
  std::string start_line;
  std::map<std::string, std::string> headers;  // names lower-cased
  size_t head_bytes = 0;                       // up to and including the blank line
  size_t content_length = 0;
};

// The head at the start of buffer: nullopt while it is still incomplete (and within
// kMaxHeaderBytes). Errors carry the status a server answers: "http.431" (head too large),
// "http.400" (malformed), "http.411" (a chunked request body), "http.413" (body over
// kMaxBodyBytes).
// max_body: a client reading a response may allow more (a firmware image).
Result<std::optional<MessageHead>> parse_head(std::string_view buffer, bool is_request,
                                              size_t max_body = kMaxBodyBytes);

struct RequestLine {
  std::string method;
  std::string target;
};
// "METHOD SP request-target SP HTTP-version"; "http.400" otherwise.
Result<RequestLine> parse_request_line(const std::string& line);

// "HTTP/1.1 <status> <reason>", the headers, Content-Length, and Connection: close when the
// server closes after it. A streamed response (HttpResponse::stream): format_stream_head().
struct HttpResponse;
std::string format_response(const HttpResponse& response, bool close_after);
// A streamed response's head and its body so far: chunked (Transfer-Encoding: chunked, the body
// its first chunk), or for an HTTP/1.0 peer, which knows no chunks, unframed (the body ends when
// the connection does); Connection: close either way.
std::string format_stream_head(const HttpResponse& response, bool chunked);
// One chunk of a chunked body (RFC 9112 7.1); "" for empty data (that would end the body).
std::string http_chunk(std::string_view data);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

std::string ascii_lower(std::string s);

}  // namespace gh::net
