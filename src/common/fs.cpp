#include "common/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace gh::fs {
namespace {
Error io_error(const std::string& what, const std::string& path) {
  return make_error("io", what + " " + path + ": " + std::strerror(errno));
}

Status write_all(int fd, std::string_view data, const std::string& path) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("write", path);
    }
    off += static_cast<size_t>(n);
  }
  return ok_status();
}
}  // namespace

Result<std::string> read_file(const std::string& path) {
  return read_file_limited(path, kMaxFileBytes, "io.size");
}

Result<std::string> read_file_limited(const std::string& path, size_t max,
                                      const std::string& check) {
  auto too_large = [&]() {
    return make_error(check,
                      path + " is larger than " + std::to_string(max) + " bytes (the limit)");
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("open", path);
  std::string out;
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    if (static_cast<uint64_t>(st.st_size) > max) {
      ::close(fd);
      return too_large();
    }
    out.reserve(static_cast<size_t>(st.st_size));  // the file may still grow: the loop checks
  }
  char buf[65536];
  for (;;) {
    // Never ask for more than one byte past the limit: that byte alone says "too large".
    size_t want = std::min(sizeof buf, max - out.size() + 1);
    ssize_t n = ::read(fd, buf, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = io_error("read", path);
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max) {
      ::close(fd);
      return too_large();
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status write_file_atomic(const std::string& path, std::string_view data, unsigned mode) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return io_error("create", tmp);
  Status st = write_all(fd, data, tmp);
  if (st.ok() && ::fchmod(fd, mode) != 0) st = io_error("chmod", tmp);
  ::close(fd);
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) st = io_error("rename", path);
  if (!st.ok()) ::unlink(tmp.c_str());
  return st;
}

Status write_file_exclusive(const std::string& path, std::string_view data, unsigned mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return io_error("create", path);
  Status st = write_all(fd, data, path);
  if (st.ok() && ::fchmod(fd, mode) != 0) st = io_error("chmod", path);
  ::close(fd);
  if (!st.ok()) ::unlink(path.c_str());
  return st;
}

Status make_dirs(const std::string& path, unsigned mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return make_error("io", "mkdir " + path + ": " + ec.message());
  ::chmod(path.c_str(), mode);
  return ok_status();
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Status remove_all(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return make_error("io", "remove " + path + ": " + ec.message());
  return ok_status();
}

std::string join(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (a.back() == '/') return a + b;
  return a + "/" + b;
}

Result<TempDir> TempDir::create(const std::string& parent, const std::string& prefix) {
  std::string base = parent.empty() ? (exists("/dev/shm") ? "/dev/shm" : "/tmp") : parent;
  std::string tmpl = join(base, prefix + "-XXXXXX");
  if (!::mkdtemp(tmpl.data()))
    return make_error("io", "cannot create a temporary directory in " + base);
  TempDir d;
  d.path_ = tmpl;
  return d;
}

TempDir::~TempDir() {
  if (!path_.empty()) (void)remove_all(path_);
}

}  // namespace gh::fs
