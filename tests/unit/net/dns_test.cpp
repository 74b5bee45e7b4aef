// DNS answers with their TTL, from a real dnsmasq on loopback.
#include "net/dns.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "common/process.h"
#include "test_util.h"

namespace gh::net {
namespace {

class DnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto has = process::run({"sh", "-c", "command -v dnsmasq"});
    if (!has.ok() || has->exit_status != 0) GTEST_SKIP() << "dnsmasq is not installed";
    port_ = 20000 + ::getpid() % 20000;
    server_ = "127.0.0.1:" + std::to_string(port_);
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string p = "--port=" + std::to_string(port_);
      ::execlp("dnsmasq", "dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
               "--conf-file=/dev/null", "--listen-address=127.0.0.1", "--bind-interfaces",
               p.c_str(), "--local=/test/", "--local-ttl=42", "--user=root",
               "--host-record=a.test,192.0.2.5,2001:db8::5", "--host-record=b.test,192.0.2.6",
               "--host-record=b.test,192.0.2.7", "--cname=c.test,a.test",
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Until it answers.
    for (int i = 0; i < 50; ++i) {
      if (resolve("a.test", false, server_).ok()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "dnsmasq did not answer";
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  int port_ = 0;
  pid_t pid_ = -1;
  std::string server_;
};

TEST_F(DnsTest, AddressesWithTheirTtl) {
  auto a = resolve("a.test", false, server_);
  ASSERT_TRUE(a.ok()) << a.error().str();
  EXPECT_EQ(a->addresses, std::vector<std::string>{"192.0.2.5"});
  EXPECT_EQ(a->ttl_s, 42);
  auto a6 = resolve("a.test", true, server_);
  ASSERT_TRUE(a6.ok());
  EXPECT_EQ(a6->addresses, std::vector<std::string>{"2001:db8::5"});
  auto b = resolve("b.test", false, server_);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->addresses, (std::vector<std::string>{"192.0.2.6", "192.0.2.7"}));
  // Through a CNAME.
  auto c = resolve("c.test", false, server_);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->addresses, std::vector<std::string>{"192.0.2.5"});
}

TEST_F(DnsTest, NoSuchNameIsAnEmptyAnswer) {
  auto n = resolve("nothing.test", false, server_);
  ASSERT_TRUE(n.ok()) << n.error().str();
  EXPECT_TRUE(n->addresses.empty());
}

TEST(Dns, NoServerIsAnError) {
  // Nothing listens on this port: one try, then a clear error.
  auto r = resolve("a.test", false, "127.0.0.1:9");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "dns.failed");
  ASSERT_REFUSED(resolve("a.test", false, "nonsense"), "dns.server");
}

}  // namespace
}  // namespace gh::net
