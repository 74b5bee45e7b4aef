// DPP over TCP (net/dpp_tcp.h): the 4-octet length framing a controller or a listening enrollee
// reads from any peer that connects, then each message read as a DPP or GAS frame.
#include "net/dpp_tcp.h"

#include <sys/socket.h>
#include <unistd.h>

#include "codec/dpp.h"
#include "fuzz_util.h"

namespace dpp = gh::codec::dpp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 0;
  int buf = 1 << 20;
  ::setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  ::setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  size_t sent = 0;
  while (sent < size) {
    ssize_t w = ::send(sv[0], data + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w <= 0) break;
    sent += static_cast<size_t>(w);
  }
  ::shutdown(sv[0], SHUT_WR);
  gh::net::DppReader reader(sv[1]);
  for (;;) {
    auto m = reader.read();
    if (!m) break;
    gh::fuzz::check(!m->empty() && m->size() <= dpp::kMaxMessage);
    if (dpp::is_dpp_frame(*m))
      (void)dpp::parse_frame(*m);
    else if (dpp::is_gas_frame(*m))
      (void)dpp::parse_gas(*m);
  }
  ::close(sv[0]);
  ::close(sv[1]);
  return 0;
}
