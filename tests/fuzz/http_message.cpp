// HTTP/1.1 framing (net/http_message.h): the bytes a TLS peer sends the registrar, the MASA or the
// EST server, and what a server sends our clients. The input is one stream: messages are taken off
// its front until it ends, delivered in two parts to exercise "read more" (the first octet says
// where it is cut).
#include "net/http_message.h"

#include "fuzz_util.h"

namespace {

void drain(uint8_t cut_at, std::string_view input, bool is_request) {
  using gh::net::kMaxBodyBytes;
  using gh::net::kMaxHeaderBytes;
  size_t cut = cut_at * input.size() / 256;
  std::string buffer(input.substr(0, cut));
  bool more = true;
  for (;;) {
    size_t before = buffer.size();
    auto m = gh::net::take_message(buffer, is_request);
    if (!m) {
      gh::fuzz::check(m.error().code.rfind("http.", 0) == 0);
      return;
    }
    if (m->has_value()) {
      const auto& msg = **m;
      // A message consumed what it took, and no more than the limits allow.
      gh::fuzz::check(buffer.size() < before);
      gh::fuzz::check(msg.body.size() <= kMaxBodyBytes);
      gh::fuzz::check(msg.start_line.size() <= kMaxHeaderBytes);
      for (const auto& [name, value] : msg.headers)
        gh::fuzz::check(!name.empty() && name == gh::net::lower_ascii(name));
      if (is_request)
        (void)gh::net::parse_request_line(msg.start_line);
      else
        (void)gh::net::parse_status_line(msg.start_line);
      continue;
    }
    gh::fuzz::check(buffer.size() == before);
    if (!more) {
      if (!buffer.empty()) gh::fuzz::check(!gh::net::truncated_message(buffer).code.empty());
      return;
    }
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
