// Drives a DPP engine over one TCP connection: what it says goes out, what arrives goes in,
// until it says the exchange is over.
#pragma once

#include <chrono>
#include <thread>
#include <vector>

#include "net/dpp_tcp.h"
#include "net/tcp.h"
#include "proto/dpp.h"

namespace gh::svc {

// Sends first, then feeds every message to the session. Returns the session's own failure, or a
// transport one (timeout, close) naming where the exchange stopped. received: bytes already read
// from fd (a server's event loop waits for the first message). With silence_s, the socket's
// timeout becomes silence_s once the first message has arrived (a listener gives a connecting
// peer less time to say anything at all).
inline Status drive_dpp(int fd, proto::dpp::Session& s, const std::vector<Bytes>& first,
                        Bytes received = {}, int silence_s = 0) {
  for (const auto& m : first) TRY(net::write_dpp_message(fd, m));
  net::DppReader reader(fd, std::move(received));
  for (bool got_one = false;; got_one = true) {
    auto msg = reader.read();
    if (!msg)
      return std::move(msg).error().context(std::string("in state ") +
                                            proto::dpp::Session::state_name(s.state()));
    if (!got_one && silence_s > 0) net::set_socket_timeouts(fd, silence_s);
    auto out = s.handle(*msg);
    if (out.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(out.delay_ms));
    for (const auto& m : out.send) {
      Status w = net::write_dpp_message(fd, m);
      if (!w && !out.done) return w;
    }
    if (out.done) return out.error ? Status(*out.error) : ok_status();
  }
}

}  // namespace gh::svc
