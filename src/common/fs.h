// Small file helpers. Writes are atomic (temp file + rename) so a crash never leaves half a file.
#pragma once

#include <string>

#include "common/encoding.h"
#include "common/result.h"

namespace gh::fs {

Result<std::string> read_file(const std::string& path);
// Writes path.tmp then renames over path. mode applies to the new file.
Status write_file_atomic(const std::string& path, std::string_view data, unsigned mode = 0644);
// Creates a new file; fails if it exists (for keys: never overwrite a key).
Status write_file_exclusive(const std::string& path, std::string_view data, unsigned mode);
Status make_dirs(const std::string& path, unsigned mode = 0755);
bool exists(const std::string& path);
Status remove_all(const std::string& path);
std::string join(const std::string& a, const std::string& b);

}  // namespace gh::fs
