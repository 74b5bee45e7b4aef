#include "svc/router/dhcp_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/json.h"
#include "common/log.h"

namespace gh::svc {

Status dhcp_journal_append(const std::string& path, const std::string& action,
                           const DhcpAnnouncement& a) {
  Json j{{"action", action}, {"mac", a.mac}, {"ip", a.ip}, {"port", a.port}, {"at", a.at}};
  if (!a.mud_url.empty()) j["mud_url"] = a.mud_url;
  if (!a.mud_url_problem.empty()) j["mud_url_problem"] = a.mud_url_problem;
  std::string line = j.dump() + "\n";
  // One write of a short line with O_APPEND: lines from concurrent writers do not interleave.
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return make_error("io.open", path + ": " + std::strerror(errno));
  ssize_t n = ::write(fd, line.data(), line.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size()))
    return make_error("io.write", path + ": " + std::strerror(err));
  return ok_status();
}

DhcpJournal::~DhcpJournal() {
  if (fd_ >= 0) ::close(fd_);
  if (old_fd_ >= 0) ::close(old_fd_);
}

bool DhcpJournal::apply(const std::string& line) {
  auto j = parse_json(line, "dhcp journal");
  // Members of another type are read as absent (Json::value() would throw on them).
  if (!j || !j->is_object() || !j->contains("mac") || !j->at("mac").is_string()) {
    log::warn("router", "dhcp journal: an unreadable line skipped");
    return false;
  }
  std::string mac = json_string_or(*j, "mac", "");
  std::transform(mac.begin(), mac.end(), mac.begin(), ::tolower);
  if (json_string_or(*j, "action", "") == "del") return by_mac_.erase(mac) > 0;
  // What an event leaves out is kept: dnsmasq replays its leases at a restart ("old", without
  // the client's options, sometimes without the interface), which says nothing of the device.
  DhcpAnnouncement before = by_mac_.count(mac) ? by_mac_[mac] : DhcpAnnouncement{};
  DhcpAnnouncement& a = by_mac_[mac];
  a.mac = mac;
  a.at = json_int(*j, "at", "dhcp journal").value_or(0);
  for (auto [field, key] : {std::pair{&a.ip, "ip"}, std::pair{&a.port, "port"}})
    if (std::string v = json_string_or(*j, key, ""); !v.empty()) *field = v;
  if (j->contains("mud_url")) {
    a.mud_url = json_string_or(*j, "mud_url", "");
    a.mud_url_problem.clear();
  } else if (j->contains("mud_url_problem")) {
    a.mud_url_problem = json_string_or(*j, "mud_url_problem", "");  // the last good URL stays
  }
  return before.mac.empty() || before.ip != a.ip || before.port != a.port ||
         before.mud_url != a.mud_url || before.mud_url_problem != a.mud_url_problem;
}

bool DhcpJournal::drain(int fd, int64_t* offset) {
  bool changed = false;
  char buf[65536];
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, *offset);
    if (n <= 0) break;
    *offset += n;
    lines_.feed(std::string_view(buf, static_cast<size_t>(n)),
                [&](std::string_view line) { changed = apply(std::string(line)) || changed; });
  }
  return changed;
}

bool DhcpJournal::poll() {
  bool changed = false;
  if (old_fd_ >= 0) {  // rotated last time: what a writer appended to it meanwhile
    changed = drain(old_fd_, &old_offset_);
    ::close(old_fd_);
    old_fd_ = -1;
    lines_.clear();
  }
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    offset_ = 0;
    if (fd_ < 0) return changed;  // no event yet
  }
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && st.st_size < offset_) {  // truncated by someone: read it anew
    offset_ = 0;
    lines_.clear();
  }
  changed = drain(fd_, &offset_) || changed;
  // Replaced by another file (moved aside and recreated by someone else): follow the new one.
  struct stat now {};
  if (::stat(path_.c_str(), &now) == 0 && ::fstat(fd_, &st) == 0 && now.st_ino != st.st_ino) {
    ::close(fd_);
    fd_ = -1;
    lines_.clear();
    return poll() || changed;
  }
  if (offset_ >= rotate_bytes_ && !lines_.mid_line()) {
    // Consumed: move it aside (the next event starts a new file) and look at it once more.
    if (::rename(path_.c_str(), (path_ + ".1").c_str()) == 0) {
      old_fd_ = fd_;
      old_offset_ = offset_;
      fd_ = -1;
    }
  }
  return changed;
}

}  // namespace gh::svc
