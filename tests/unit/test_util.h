// Helpers shared by the unit tests.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace gh::testing {

// A fresh directory under the system temp directory; the caller removes it.
inline std::string make_temp_dir(const std::string& prefix) {
  std::string t = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  return ::mkdtemp(t.data());
}

}  // namespace gh::testing
