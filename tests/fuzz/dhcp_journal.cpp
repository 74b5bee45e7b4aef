// The DHCP journal (svc/router/dhcp_journal.h): JSON lines `router dhcp-event` appends with what a
// device put in its DHCP request (MAC, MUD URL); the router agent reads what was appended. The
// input is the journal's content, appended in two parts with a read after each (a line may be
// split between them; the first octet says where).
#include "svc/router/dhcp_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>

#include "fuzz_util.h"

namespace {

// A directory of its own for the process, removed at exit.
struct ScratchDir {
  std::string path = (std::filesystem::temp_directory_path() / "gh-fuzz-dhcp-XXXXXX").string();
  ScratchDir() {
    if (!::mkdtemp(path.data())) std::abort();
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

const std::string& journal_path() {
  static const ScratchDir dir;
  static const std::string path = dir.path + "/journal";
  return path;
}

void append(const std::string& path, std::string_view part) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) std::abort();
  gh::fuzz::check(::write(fd, part.data(), part.size()) == static_cast<ssize_t>(part.size()));
  ::close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = journal_path();
  ::unlink(path.c_str());
  ::unlink((path + ".1").c_str());
  if (size == 0) return 0;
  std::string_view text = gh::fuzz::text(data + 1, size - 1);
  size_t cut = data[0] * text.size() / 256;
  {
    gh::svc::DhcpJournal journal(path, 1 << 20);
    append(path, text.substr(0, cut));
    (void)journal.poll();
    append(path, text.substr(cut));
    (void)journal.poll();
    for (const auto& [mac, a] : journal.by_mac()) {
      gh::fuzz::check(mac == a.mac);
      for (char c : mac) gh::fuzz::check(!std::isupper(static_cast<unsigned char>(c)));
    }
  }
  return 0;
}
