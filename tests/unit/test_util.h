// Helpers shared by the unit tests.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

// Asserts that expr (a Result or a Status) is a refusal, stopping the test if it succeeded, and
// that its error code is exactly expected_code.
#define ASSERT_REFUSED(expr, expected_code)                                                \
  do {                                                                                     \
    const auto& gh_refusal_ = (expr);                                                      \
    ASSERT_FALSE(gh_refusal_.ok()) << #expr << " succeeded; expected " << (expected_code); \
    EXPECT_EQ(gh_refusal_.error().code, (expected_code)) << gh_refusal_.error().message;   \
  } while (false)

namespace gh::testing {

// A fresh directory under the system temp directory; the caller removes it.
inline std::string make_temp_dir(const std::string& prefix) {
  std::string t = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  return ::mkdtemp(t.data());
}

}  // namespace gh::testing
