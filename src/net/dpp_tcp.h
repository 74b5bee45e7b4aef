// DPP over TCP (Wi-Fi Easy Connect 4.4, the relay/controller model): each message is a 4-octet
// big-endian length and then the frame without its category octet. No protocol logic here.
#pragma once

#include <chrono>

#include "common/encoding.h"
#include "common/result.h"

namespace gh::net {

inline constexpr int kDppPort = 8908;

Status write_dpp_message(int fd, const Bytes& message);

// How many octets at the start of received make its first whole message, length prefix included:
// 0 while more are needed. Refuses a length over 65535 octets ("dpp.tcp.size", as hostap 2.10
// does) or of 0. (TcpServer's FirstMessage for a DPP controller.)
Result<size_t> dpp_message_extent(const Bytes& received);

// Reads messages from one connection through a buffer (one recv() usually brings a whole
// message). Refuses what dpp_message_extent refuses, a peer that closes ("dpp.closed"), and one
// that does not deliver a whole message within the socket's receive timeout ("dpp.timeout"),
// however slowly its bytes trickle in.
class DppReader {
 public:
  // received: bytes already read from fd (by a server's event loop).
  explicit DppReader(int fd, Bytes received = {});
  Result<Bytes> read();

 private:
  Status fill(size_t need, bool at_start);
  int fd_;
  Bytes buf_;
  size_t pos_ = 0;  // start of unread data in buf_
  std::chrono::milliseconds message_timeout_{0};
  std::chrono::steady_clock::time_point deadline_{};
};

}  // namespace gh::net
