// DPP over TCP (Wi-Fi Easy Connect 4.4, the relay/controller model): each message is a 4-octet
// big-endian length and then the frame without its category octet. No protocol logic here.
#pragma once

#include "common/encoding.h"
#include "common/result.h"

namespace gh::net {

inline constexpr int kDppPort = 8908;

// Reads one message. Refuses one over 65535 octets ("dpp.tcp.size", as hostap 2.10 does), a
// peer that goes quiet past the socket timeout ("dpp.timeout") or closes ("dpp.closed").
Result<Bytes> read_dpp_message(int fd);
Status write_dpp_message(int fd, const Bytes& message);

}  // namespace gh::net
