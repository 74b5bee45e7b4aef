// A client's connection errors name the peer and say what happened: refused, timed out.
#include <gtest/gtest.h>
#include <unistd.h>

#include "crypto/tls.h"
#include "net/http.h"
#include "net/tcp.h"
#include "test_util.h"

namespace gh::net {
namespace {

TEST(ConnectErrors, RefusedNamesThePeer) {
  int port = free_loopback_port();
  ASSERT_GT(port, 0);
  auto fd = tcp_connect("127.0.0.1", port, 2);
  ASSERT_REFUSED(fd, "net.connect");
  EXPECT_NE(fd.error().message.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << fd.error().message;
  EXPECT_NE(fd.error().message.find("refused"), std::string::npos) << fd.error().message;
}

TEST(ConnectErrors, UnresolvableNamesTheHost) {
  auto fd = tcp_connect("no-such-host.invalid", 443, 2);
  ASSERT_REFUSED(fd, "net.resolve");
  EXPECT_NE(fd.error().message.find("no-such-host.invalid:443"), std::string::npos)
      << fd.error().message;
}

// A peer that accepts the connection (the kernel does, from the backlog) and never answers the
// TLS handshake: the client gives up after its timeout and says so.
TEST(ConnectErrors, SilentPeerTimesOut) {
  auto listening = listen_tcp("127.0.0.1", 0, 8);
  ASSERT_TRUE(listening.ok()) << listening.error().message;
  auto [fd, port] = *listening;
  auto tls = crypto::TlsContext::client(nullptr, {}, "");
  ASSERT_TRUE(tls.ok());
  auto client = HttpClient::connect("127.0.0.1", port, *tls, 1);
  ::close(fd);
  ASSERT_REFUSED(client, "tls.handshake");
  EXPECT_NE(client.error().message.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << client.error().message;
  EXPECT_NE(client.error().message.find("timed out"), std::string::npos) << client.error().message;
}

TEST(ConnectErrors, Wording) {
  EXPECT_EQ(connect_failure("10.0.0.1:8443", ETIMEDOUT, 10),
            "connection to 10.0.0.1:8443 timed out (no answer: host down or traffic dropped?)");
  EXPECT_EQ(connect_failure("10.0.0.1:8443", EINPROGRESS, 10),
            "connection to 10.0.0.1:8443 timed out after 10 s (no answer: host down or traffic "
            "dropped?)");
  EXPECT_EQ(peer_name("::1", 8443), "[::1]:8443");
}

}  // namespace
}  // namespace gh::net
