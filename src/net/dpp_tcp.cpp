#include "net/dpp_tcp.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gh::net {

DppReader::DppReader(int fd, Bytes received) : fd_(fd), buf_(std::move(received)) {
  timeval tv{};
  socklen_t len = sizeof tv;
  if (::getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) == 0)
    message_timeout_ = std::chrono::milliseconds(tv.tv_sec * 1000 + tv.tv_usec / 1000);
}

Status DppReader::fill(size_t need, bool at_start) {
  while (buf_.size() - pos_ < need) {
    if (pos_ > 0) {  // compact
      buf_.erase(buf_.begin(), buf_.begin() + static_cast<long>(pos_));
      pos_ = 0;
    }
    if (message_timeout_.count() > 0) {
      // The receive timeout starts again with every byte; the message's deadline does not.
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ -
                                                               std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      int r = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) return make_error("dpp.timeout", "timed out: the peer stopped answering");
    }
    size_t have = buf_.size();
    buf_.resize(have + 16384);
    ssize_t r = ::recv(fd_, buf_.data() + have, buf_.size() - have, 0);
    buf_.resize(have + (r > 0 ? static_cast<size_t>(r) : 0));
    if (r > 0) continue;
    if (r == 0)
      return make_error("dpp.closed", at_start && have == 0 ? "the peer closed the connection"
                                                            : "the peer closed mid-message");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return make_error("dpp.timeout", "timed out: the peer stopped answering");
    return make_error("dpp.io", std::string("receive: ") + std::strerror(errno));
  }
  return ok_status();
}

namespace {

// The length a message's 4-octet prefix announces, if it is one hostap would take.
Result<size_t> announced_length(const uint8_t* p) {
  uint32_t n = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  if (n > 65535)
    return make_error("dpp.tcp.size", "a " + std::to_string(n) + "-octet message (limit 65535)");
  if (n == 0) return make_error("dpp.tcp.size", "an empty message");
  return size_t{n};
}

}  // namespace

Result<size_t> dpp_message_extent(const Bytes& received) {
  if (received.size() < 4) return size_t{0};
  size_t n = TRY(announced_length(received.data()));
  return received.size() >= 4 + n ? 4 + n : size_t{0};
}

Result<Bytes> DppReader::read() {
  deadline_ = std::chrono::steady_clock::now() + message_timeout_;
  TRY(fill(4, true));
  size_t n = TRY(announced_length(buf_.data() + pos_));
  TRY(fill(4 + n, false));
  Bytes m(buf_.begin() + static_cast<long>(pos_ + 4),
          buf_.begin() + static_cast<long>(pos_ + 4 + n));
  pos_ += 4 + n;
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
