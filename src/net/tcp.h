// TCP plumbing shared by every server and client in src/net: a listener that serves connections
// from its event loop and a bounded worker pool, a connect with timeouts, and a free-port helper
// for tests and benches.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "common/encoding.h"
#include "common/result.h"
#include "net/server_limits.h"

namespace gh::net {

class ServerLoop;

// SIGPIPE would end the process when a peer goes away mid-write; every user wants an error instead.
void ignore_sigpipe();
// Send/receive timeouts and TCP_NODELAY.
void set_socket_timeouts(int fd, int seconds);
// A non-blocking listening socket on host:port (0 picks one) with a queue of backlog: the
// descriptor and the bound port.
Result<std::pair<int, int>> listen_tcp(const std::string& host, int port, int backlog = 512);

// Serves a blocking protocol (DPP over TCP) without a thread per connection: the event loop waits
// until a connection has sent its first message, and only then hands the socket (blocking, with
// timeout_s send/receive timeouts) to serve(fd, received) on a worker; serve owns fd and closes
// it. Connection caps, the per-address cap and the back-off on EMFILE come from ServerLimits; the
// first message must arrive within timeout_s and limits.head_timeout, however slowly it trickles.
class TcpServer {
 public:
  using Serve = std::function<void(int fd)>;
  using ServeReceived = std::function<void(int fd, Bytes received)>;
  // Given every byte received so far: the size of the first message once it is complete, 0 while
  // more is needed. An error hands the connection over at once (serve reports it to the peer).
  using FirstMessage = std::function<Result<size_t>(const Bytes& received)>;

  static Result<std::unique_ptr<TcpServer>> start(const std::string& host, int port,
                                                  FirstMessage first, ServeReceived serve,
                                                  int timeout_s, const ServerLimits& limits = {});
  // serve(fd) once the connection is readable (has sent something or closed); nothing is read
  // before serve gets it.
  static Result<std::unique_ptr<TcpServer>> start(const std::string& host, int port, Serve serve,
                                                  int timeout_s, const ServerLimits& limits = {});
  ~TcpServer();
  int port() const;
  bool stopping() const;
  ServerStats stats() const;
  // Stops accepting, shuts down live connections and joins every worker.
  void stop();

 private:
  class Conn;
  TcpServer(FirstMessage first, ServeReceived serve, int timeout_s);

  FirstMessage first_;
  ServeReceived serve_;
  int timeout_s_;
  std::unique_ptr<ServerLoop> loop_;
};

// A loopback TCP port nothing listens on at the moment of asking.
int free_loopback_port();

// Opens a TCP connection with send/receive timeouts. Errors name the peer and say whether it
// refused or timed out: "net.resolve", "net.connect".
Result<int> tcp_connect(const std::string& host, int port, int timeout_s);
// "host:port", "[v6]:port": how errors name a peer.
std::string peer_name(const std::string& host, int port);
// What a failed connect() to peer means for a person (err: its errno).
std::string connect_failure(const std::string& peer, int err, int timeout_s);

// "HOST:PORT" or "tcp:HOST:PORT" or "[v6]:PORT" -> host and port (0-65535; 0 = any, to listen).
Result<std::pair<std::string, int>> parse_host_port(std::string_view text);

}  // namespace gh::net
