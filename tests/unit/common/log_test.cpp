// What a peer can make the log hold: a flood of lines from one component is cut to its bucket and
// the number left out is said; other components keep writing; a long message is cut.
#include "common/log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>

namespace gh::log {
namespace {

size_t count_lines_with(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) n += line.find(needle) != std::string::npos;
  return n;
}

TEST(Log, AFloodIsCutAndWhatWasLeftOutIsCounted) {
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 3000; ++i) info("flood-test", "refused request " + std::to_string(i));
  info("other-test", "still heard");
  std::string out = ::testing::internal::GetCapturedStderr();
  size_t written = count_lines_with(out, "flood-test: refused request");
  EXPECT_GE(written, 500u);   // the burst
  EXPECT_LT(written, 1000u);  // not the flood (100 a second refill while the loop runs)
  EXPECT_EQ(count_lines_with(out, "other-test: still heard"), 1u);

  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ::testing::internal::CaptureStderr();
  info("flood-test", "after the flood");
  out = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find(std::to_string(3000 - written) + " lines of flood-test left out"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("flood-test: after the flood"), std::string::npos) << out;
}

TEST(Log, ALongMessageIsCut) {
  ::testing::internal::CaptureStderr();
  warn("long-test", std::string(10000, 'x'));
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_LT(out.size(), 4200u);
  EXPECT_NE(out.find("... (5904 more bytes)"), std::string::npos);
}

}  // namespace
}  // namespace gh::log
