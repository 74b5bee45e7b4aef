// Input limits of the common readers: a file is read up to its cap and no further, whatever it is
// (a regular file, a pipe, /dev/zero); JSON beyond its bytes, nesting or number of values is
// refused before anything is built, naming "<what>.size".
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <thread>

#include "common/fs.h"
#include "common/json.h"
#include "test_util.h"

namespace gh {
namespace {

class ReadLimited : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("gh-limits"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string file(const std::string& name, size_t size) {
    std::string p = dir_ + "/" + name;
    EXPECT_TRUE(fs::write_file_atomic(p, std::string(size, 'x')).ok());
    return p;
  }
  std::string dir_;
};

TEST_F(ReadLimited, AFileOfTheLimitIsReadAndOneByteMoreIsRefused) {
  auto at = fs::read_file_limited(file("at", 1000), 1000, "thing.size");
  ASSERT_TRUE(at.ok()) << at.error().str();
  EXPECT_EQ(at->size(), 1000u);
  auto over = fs::read_file_limited(file("over", 1001), 1000, "thing.size");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, "thing.size");
  auto empty = fs::read_file_limited(file("empty", 0), 1000, "thing.size");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST_F(ReadLimited, AnEndlessDeviceIsRefusedAfterTheLimit) {
  auto r = fs::read_file_limited("/dev/zero", 1 << 20, "bundle.size");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bundle.size");
}

TEST_F(ReadLimited, APipeIsReadUpToTheLimit) {
  ::signal(SIGPIPE, SIG_IGN);  // the writer outlives the reader
  std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // A writer that would go on for 8 MiB; the reader stops after 64 KiB and one byte.
  std::thread writer([&] {
    int fd = ::open(fifo.c_str(), O_WRONLY);
    std::string chunk(4096, 'y');
    for (int i = 0; i < 2048; ++i)
      if (::write(fd, chunk.data(), chunk.size()) < 0) break;  // EPIPE once the reader is gone
    ::close(fd);
  });
  auto r = fs::read_file_limited(fifo, 64 * 1024, "policy.size");
  writer.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "policy.size");
}

TEST_F(ReadLimited, AMissingFileIsAnIoError) {
  auto r = fs::read_file_limited(dir_ + "/none", 10, "thing.size");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "io");
}

TEST(ParseJson, WithinTheLimitsItParses) {
  auto j = parse_json(R"({"a": [1, 2, {"b": null}]})", "thing", JsonLimits{100, 3, 8});
  ASSERT_TRUE(j.ok()) << j.error().str();
  EXPECT_EQ((*j)["a"][2]["b"], nullptr);
}

TEST(ParseJson, TooManyBytesIsRefusedUnread) {
  auto j = parse_json(std::string(101, ' ') + "1", "thing", JsonLimits{100, 8, 100});
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.error().code, "thing.size");
}

TEST(ParseJson, TooDeepIsRefused) {
  std::string deep = std::string(65, '[') + std::string(65, ']');
  auto j = parse_json(deep, "thing");  // the default depth is 64
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.error().code, "thing.size");
  std::string ok = std::string(64, '[') + std::string(64, ']');
  EXPECT_TRUE(parse_json(ok, "thing").ok());
}

TEST(ParseJson, TooManyValuesIsRefused) {
  // 1 array + 5 numbers = 6 values; object keys count as values too.
  EXPECT_TRUE(parse_json("[1,2,3,4,5]", "thing", JsonLimits{100, 8, 6}).ok());
  auto j = parse_json("[1,2,3,4,5]", "thing", JsonLimits{100, 8, 5});
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.error().code, "thing.size");
  auto o = parse_json(R"({"a":1,"b":2})", "thing", JsonLimits{100, 8, 4});
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().code, "thing.size");
}

TEST(ParseJson, SyntaxErrorsStillNameTheirByte) {
  auto j = parse_json("[1, 2,", "thing");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.error().code, "thing.json");
  EXPECT_NE(j.error().message.find("byte 7"), std::string::npos) << j.error().message;
}

}  // namespace
}  // namespace gh
