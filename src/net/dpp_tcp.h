// DPP over TCP (Wi-Fi Easy Connect 4.4, the relay/controller model): each message is a 4-octet
// big-endian length and then the frame without its category octet. No protocol logic here.
#pragma once

#include "common/encoding.h"
#include "common/result.h"

namespace gh::net {

inline constexpr int kDppPort = 8908;

Status write_dpp_message(int fd, const Bytes& message);

// Reads messages from one connection through a buffer (one recv() usually brings a whole
// message). Refuses one over 65535 octets ("dpp.tcp.size", as hostap 2.10 does), a peer that goes
// quiet past the socket timeout ("dpp.timeout") or closes ("dpp.closed").
class DppReader {
 public:
  explicit DppReader(int fd) : fd_(fd) {}
  Result<Bytes> read();

 private:
  Status fill(size_t need, bool at_start);
  int fd_;
  Bytes buf_;
  size_t pos_ = 0;  // start of unread data in buf_
};

}  // namespace gh::net
