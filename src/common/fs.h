// Small file helpers. Writes are atomic (temp file + rename) so a crash never leaves half a file.
#pragma once

#include <string>

#include "common/encoding.h"
#include "common/result.h"

namespace gh::fs {

// Reads a whole file of at most kMaxFileBytes (refused with "io.size" beyond): the state files and
// keys a role keeps for itself. Input from outside goes through read_file_limited with its own cap.
inline constexpr size_t kMaxFileBytes = 64 * 1024 * 1024;
Result<std::string> read_file(const std::string& path);
// Reads at most max bytes of path: a regular file, a pipe or a device (/dev/zero). An input longer
// than max is refused with code `check` (such as "bundle.size") after reading no more than max + 1
// bytes of it, so an endless input costs no more memory than an input of the limit.
Result<std::string> read_file_limited(const std::string& path, size_t max,
                                      const std::string& check);
// Writes path.tmp then renames over path. mode applies to the new file.
Status write_file_atomic(const std::string& path, std::string_view data, unsigned mode = 0644);
// Creates a new file; fails if it exists (for keys: never overwrite a key).
Status write_file_exclusive(const std::string& path, std::string_view data, unsigned mode);
Status make_dirs(const std::string& path, unsigned mode = 0755);
bool exists(const std::string& path);
Status remove_all(const std::string& path);
std::string join(const std::string& a, const std::string& b);

// A fresh directory PARENT/PREFIX-XXXXXX, removed with everything in it when this goes away.
// An empty parent means /dev/shm when there is one (benches stage state in memory), else /tmp.
class TempDir {
 public:
  static Result<TempDir> create(const std::string& parent, const std::string& prefix);
  TempDir(TempDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  TempDir(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  TempDir() = default;
  std::string path_;
};

}  // namespace gh::fs
