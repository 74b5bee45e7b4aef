// A stream another process writes is split into lines holding at most max_line bytes of an
// unfinished one; a longer line is dropped whole.
#include "common/lines.h"

#include <gtest/gtest.h>

#include <vector>

namespace gh {
namespace {

std::vector<std::string> split(LineSplitter& s, const std::vector<std::string>& chunks) {
  std::vector<std::string> out;
  for (const auto& c : chunks) s.feed(c, [&](std::string_view l) { out.emplace_back(l); });
  return out;
}

TEST(LineSplitter, LinesAcrossChunks) {
  LineSplitter s(16);
  EXPECT_EQ(split(s, {"ab", "c\nde", "f\n\ng"}), (std::vector<std::string>{"abc", "def", ""}));
  EXPECT_TRUE(s.mid_line());
  EXPECT_EQ(split(s, {"\n"}), (std::vector<std::string>{"g"}));
  EXPECT_FALSE(s.mid_line());
}

TEST(LineSplitter, ALineLongerThanTheLimitIsDroppedWhole) {
  LineSplitter s(8);
  auto lines = split(s, {"short\n", std::string(6, 'x'), std::string(6, 'y'), std::string(50, 'z'),
                         "\nnext\n", "123456789\n", "ok\n"});
  EXPECT_EQ(lines, (std::vector<std::string>{"short", "next", "ok"}));
  EXPECT_EQ(s.dropped(), 2u);
  EXPECT_FALSE(s.mid_line());
}

}  // namespace
}  // namespace gh
