// libnftables transactions: applied whole, or refused whole with nft's message and the previous
// rules left in place. Needs root for a network namespace (CI runs as root).
#include "net/nft.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/process.h"

namespace gh::net {
namespace {

class NftTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root for a network namespace";
    ns_ = "gh-nft-test-" + std::to_string(::getpid());
    auto r = process::run({"ip", "netns", "add", ns_});
    ASSERT_TRUE(r.ok() && r->exit_status == 0);
  }
  void TearDown() override {
    if (!ns_.empty()) (void)process::run({"ip", "netns", "del", ns_});
  }
  std::string ruleset() {
    auto r = process::run({"ip", "netns", "exec", ns_, "nft", "list", "ruleset"});
    return r.ok() ? r->out : "";
  }
  std::string ns_;
};

TEST_F(NftTest, ATransactionIsAllOrNothing) {
  auto s = NftSession::open(ns_);
  ASSERT_TRUE(s.ok()) << s.error().str();
  ASSERT_TRUE((*s)->run("table inet t {\n  chain c {\n    tcp dport 80 accept\n  }\n}\n").ok());
  EXPECT_NE(ruleset().find("tcp dport 80 accept"), std::string::npos);
  // The first command is fine, the second is not: nothing of it is applied.
  Status bad =
      (*s)->run("add rule inet t c tcp dport 443 accept\nadd rule inet t c no such thing\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "nft.refused");
  EXPECT_FALSE(bad.error().message.empty());
  std::string after = ruleset();
  EXPECT_NE(after.find("tcp dport 80 accept"), std::string::npos);
  EXPECT_EQ(after.find("443"), std::string::npos) << after;
  // The same context keeps working after a refusal.
  ASSERT_TRUE((*s)->run("add rule inet t c tcp dport 8080 accept\n").ok());
  EXPECT_NE(ruleset().find("8080"), std::string::npos);
  // The rules went into the namespace, not into this process's own.
  auto own = process::run({"nft", "list", "table", "inet", "t"});
  ASSERT_TRUE(own.ok());
  EXPECT_NE(own->exit_status, 0);
}

TEST_F(NftTest, UnknownNamespaceIsRefused) {
  auto s = NftSession::open("gh-no-such-namespace");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "nft.netns");
}

}  // namespace
}  // namespace gh::net
