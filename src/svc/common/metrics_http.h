// A scrape endpoint in plain HTTP/1.1 for a process with no HTTPS server of its own (`router serve
// --metrics-listen`, on the router's management side): GET /metrics answers the text exposition
// format, anything else 404 or 405; one request per connection, then closed. It runs on the
// servers' event loop (net::TcpServer), so the connection caps and timeouts of every server hold
// here too, and a slow scraper holds no thread until its request is in.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "net/tcp.h"
#include "svc/common/metrics.h"

namespace gh::svc::metrics {

class HttpEndpoint {
 public:
  // Listens on host:port (0 picks one) and answers GET /metrics with scrape(); its own connection
  // counts are in the registry's collectors as server="NAME".
  static Result<std::unique_ptr<HttpEndpoint>> start(const std::string& host, int port,
                                                     const std::string& name,
                                                     std::function<std::string()> scrape);
  ~HttpEndpoint();
  int port() const;
  void stop();

  // The answer to one request head (exposed for tests): status line, headers and body.
  static std::string respond(const std::string& head, const std::function<std::string()>& scrape);

 private:
  HttpEndpoint() = default;
  std::function<std::string()> scrape_;
  std::unique_ptr<net::TcpServer> server_;
  net::ServerLimits limits_;
  Registry::Collection stats_;
};

}  // namespace gh::svc::metrics
