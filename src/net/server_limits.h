// What a peer can make a server hold: connections, threads, time. Every server in src/net (HTTP
// over TLS, DPP over TCP) takes one of these; the defaults suit a site or a MASA on a small box.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace gh::net {

struct MessageHead;

struct ServerLimits {
  // Connections open at once. At the cap a newcomer takes the place of the connection idle
  // longest between keep-alive requests, else of the oldest one whose request (or TLS handshake)
  // is still arriving; when every connection has a request in hand it is refused.
  int max_connections = 512;
  // A keep-alive connection idle for less than this is closed for room only after the arriving
  // ones: it is likely a client between two requests of one exchange (a pledge between its
  // voucher and its enrollment, whose session state lives on the connection).
  std::chrono::milliseconds idle_grace{1000};
  // Connections from one peer address. A join proxy or a NAT speaks for many pledges, and a
  // registrar keeps up to 128 idle connections to its MASA, so not too few. At the cap the
  // address's own longest-idle keep-alive connection makes room, else the newcomer is refused.
  int max_per_address = 128;
  // From a connection's start (or the first byte of a later keep-alive request): the TLS
  // handshake and the request head must be in by head_timeout, the whole request by
  // request_timeout. Bytes trickling in reset neither.
  std::chrono::milliseconds head_timeout{10'000};
  std::chrono::milliseconds request_timeout{30'000};
  // A keep-alive connection with no request under way is closed after this.
  std::chrono::milliseconds idle_timeout{15'000};
  // A response the peer does not take within this is abandoned with its connection.
  std::chrono::milliseconds write_timeout{30'000};
  // Threads that run handlers (crypto, storage, a DPP exchange); 0: two per core, at least 16
  // (a registrar's handler waits on its MASA over the network, a CPU-bound one would not).
  int workers = 0;
  // Complete requests waiting for a free worker; beyond that a request is answered 503 (HTTP)
  // or its connection closed (TCP).
  size_t max_queue = 256;
  // With no descriptor left (EMFILE, ENFILE) the listener is left alone this long instead of
  // being polled in a loop that cannot accept.
  std::chrono::milliseconds accept_backoff{100};
  // HTTP only: the largest body this request may have, decided from its head and the peer's
  // address before the body is read (kMaxBodyBytes when unset; never above kMaxBodyCeiling). A
  // route that takes large bodies from authenticated callers only says so here, so nobody else
  // can make the server hold one.
  std::function<size_t(const MessageHead& head, const std::string& peer_ip)> http_body_limit;
};

// What a server has done with its connections.
struct ServerStats {
  uint64_t accepted = 0;  // admitted connections
  uint64_t refused = 0;   // accepted and closed at once: no room
  uint64_t evicted = 0;   // closed to make room for a newcomer
  uint64_t backoffs = 0;  // pauses in accepting for lack of descriptors
  int open = 0;           // connections open now
  int workers = 0;        // worker threads started
};

// workers, with 0 resolved.
int worker_threads(const ServerLimits& limits);

}  // namespace gh::net
