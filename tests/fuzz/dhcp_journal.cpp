// The DHCP journal (svc/router/dhcp_journal.h): JSON lines `router dhcp-event` appends with what a
// device put in its DHCP request (MAC, MUD URL); the router agent reads what was appended. The
// input is the journal's content, appended in two parts with a read after each (a line may be
// split between them).
#include "svc/router/dhcp_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>

#include "fuzz_util.h"

namespace {

const std::string& journal_path() {
  static const std::string path = [] {
    std::string dir = (std::filesystem::temp_directory_path() / "gh-fuzz-dhcp-XXXXXX").string();
    if (!::mkdtemp(dir.data())) std::abort();
    return dir + "/journal";
  }();
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
  std::string_view text = gh::fuzz::text(data, size);
  size_t cut = text.empty() ? 0 : static_cast<uint8_t>(text[0]) * text.size() / 256;
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
