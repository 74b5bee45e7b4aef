// HTTP/1.1 framing (net/http_message.h): the bytes a TLS peer sends the registrar, the MASA or the
// EST server, and what a server sends our clients. The input is one stream: messages are taken off
// its front until it ends, delivered in two parts to exercise "read more" (the first octet says
// where it is cut).
#include "net/http_message.h"

#include "fuzz_util.h"

namespace {

void drain(uint8_t cut_at, std::string_view input, bool is_request) {
  using gh::net::kMaxBodyBytes;
  size_t cut = cut_at * input.size() / 256;
  std::string buffer(input.substr(0, cut));
  bool more = true;
  for (;;) {
    auto h = gh::net::parse_head(buffer, is_request);
    if (!h) {
      gh::fuzz::check(h.error().code.rfind("http.", 0) == 0);
      return;
    }
    if (h->has_value()) {
      const auto& head = **h;
      // A head is within what was read and announces no body over the limit.
      gh::fuzz::check(head.head_bytes > 0 && head.head_bytes <= buffer.size());
      gh::fuzz::check(head.content_length <= kMaxBodyBytes);
      for (const auto& [name, value] : head.headers)
        gh::fuzz::check(!name.empty() && name == gh::net::ascii_lower(name));
      if (is_request) (void)gh::net::parse_request_line(head.start_line);
      size_t total = head.head_bytes + head.content_length;
      if (buffer.size() >= total) {
        buffer.erase(0, total);
        continue;
      }
    }
    if (!more) return;
    buffer.append(input.substr(cut));
    more = false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first octet says where the stream is cut in two.
  auto input = gh::fuzz::text(data + 1, size - 1);
  drain(data[0], input, true);
  drain(data[0], input, false);
  return 0;
}
