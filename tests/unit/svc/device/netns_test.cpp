// device connect tells a device's own network namespace from this host's by the identity of the
// namespace files: ours against PID 1's, else against the named namespaces of `ip netns`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/fs.h"
#include "svc/device/device_connect.h"
#include "test_util.h"

namespace gh::svc {
namespace {

class NetNs : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = gh::testing::make_temp_dir("gh-netns");
    ASSERT_TRUE(fs::write_file_atomic(dir_ + "/ours", "", 0600).ok());
    ASSERT_TRUE(fs::write_file_atomic(dir_ + "/other", "", 0600).ok());
    ASSERT_TRUE(fs::make_dirs(dir_ + "/named", 0755).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  NetNamespacePaths paths(const std::string& self, const std::string& init) {
    return {dir_ + "/" + self, dir_ + "/" + init, dir_ + "/named"};
  }
  std::string dir_;
};

TEST_F(NetNs, ComparedWithPidOnes) {
  EXPECT_EQ(network_namespace(paths("ours", "ours")), NetNamespace::kInitial);
  EXPECT_EQ(network_namespace(paths("ours", "other")), NetNamespace::kOwn);
}

// PID 1's namespace unreadable (a container without ptrace rights over it): one `ip netns`
// names is a device's own; anything else cannot be told apart from the host's.
TEST_F(NetNs, NamedNamespacesWhenPidOneIsUnreadable) {
  EXPECT_EQ(network_namespace(paths("ours", "unreadable")), NetNamespace::kUnknown);
  ASSERT_EQ(::link((dir_ + "/ours").c_str(), (dir_ + "/named/gh-dev1").c_str()), 0);
  EXPECT_EQ(network_namespace(paths("ours", "unreadable")), NetNamespace::kOwn);
  EXPECT_EQ(network_namespace(paths("missing", "ours")), NetNamespace::kUnknown);
}

}  // namespace
}  // namespace gh::svc
