#include "net/dpp_tcp.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gh::net {
namespace {

Status read_exact(int fd, uint8_t* p, size_t n, bool at_start) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::recv(fd, p + got, n - got, 0);
    if (r > 0) {
      got += static_cast<size_t>(r);
      continue;
    }
    if (r == 0)
      return make_error("dpp.closed", at_start && got == 0 ? "the peer closed the connection"
                                                           : "the peer closed mid-message");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return make_error("dpp.timeout", "the peer stopped answering");
    return make_error("dpp.io", std::string("receive: ") + std::strerror(errno));
  }
  return ok_status();
}

}  // namespace

Result<Bytes> read_dpp_message(int fd) {
  uint8_t len[4];
  TRY(read_exact(fd, len, 4, true));
  uint32_t n =
      (uint32_t{len[0]} << 24) | (uint32_t{len[1]} << 16) | (uint32_t{len[2]} << 8) | len[3];
  if (n > 65535)
    return make_error("dpp.tcp.size", "a " + std::to_string(n) + "-octet message (limit 65535)");
  if (n == 0) return make_error("dpp.tcp.size", "an empty message");
  Bytes m(n);
  TRY(read_exact(fd, m.data(), n, false));
  return m;
}

Status write_dpp_message(int fd, const Bytes& m) {
  if (m.size() > 65535) return make_error("dpp.tcp.size", "message over 65535 octets");
  Bytes out = {static_cast<uint8_t>(m.size() >> 24), static_cast<uint8_t>(m.size() >> 16),
               static_cast<uint8_t>(m.size() >> 8), static_cast<uint8_t>(m.size())};
  out.insert(out.end(), m.begin(), m.end());
  size_t sent = 0;
  while (sent < out.size()) {
    ssize_t w = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (w > 0) {
      sent += static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    return make_error("dpp.io", std::string("send: ") + std::strerror(errno));
  }
  return ok_status();
}

}  // namespace gh::net
