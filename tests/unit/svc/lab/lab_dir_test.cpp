// lab status and lab down find the lab that is up whatever --dir it was started with: the
// directory lab up recorded, unless the one given holds a lab itself.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/fs.h"
#include "svc/lab/lab.h"
#include "test_util.h"

namespace gh::svc {
namespace {

class LabDir : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = gh::testing::make_temp_dir("gh-labdir"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void make_lab(const std::string& d) {
    ASSERT_TRUE(fs::make_dirs(d, 0700).ok());
    ASSERT_TRUE(fs::write_file_atomic(fs::join(d, "lab.json"), "{}\n", 0600).ok());
  }
  std::string dir_;
};

TEST_F(LabDir, TheRecordedLabWhenTheGivenDirHoldsNone) {
  const std::string up = dir_ + "/up", record = dir_ + "/record";
  make_lab(up);
  ASSERT_TRUE(fs::write_file_atomic(record, up + "\n", 0644).ok());
  EXPECT_EQ(find_lab_dir("", record), up);
  EXPECT_EQ(find_lab_dir(dir_ + "/elsewhere", record), up);
}

TEST_F(LabDir, TheGivenDirWhenItHoldsALab) {
  const std::string up = dir_ + "/up", other = dir_ + "/other", record = dir_ + "/record";
  make_lab(up);
  make_lab(other);
  ASSERT_TRUE(fs::write_file_atomic(record, up + "\n", 0644).ok());
  EXPECT_EQ(find_lab_dir(other, record), other);
}

TEST_F(LabDir, AbsoluteWhenNoLabIsUp) {
  const std::string record = dir_ + "/record";  // absent
  EXPECT_EQ(find_lab_dir("", record), kDefaultLabDir);
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir_);
  EXPECT_EQ(find_lab_dir("rel/lab", record), dir_ + "/rel/lab");
  std::filesystem::current_path(cwd);
  // A record naming a directory without a lab (taken down, or a stale file) is not followed.
  ASSERT_TRUE(fs::write_file_atomic(record, dir_ + "/gone\n", 0644).ok());
  EXPECT_EQ(find_lab_dir("", record), kDefaultLabDir);
}

}  // namespace
}  // namespace gh::svc
