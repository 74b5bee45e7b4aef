// What devices announce in DHCP (RFC 8520 section 10: the MUD URL option, 161 in DHCPv4), as
// dnsmasq reports it to its --dhcp-script: `gatehouse router dhcp-event` appends one JSON line per
// event to a journal; the router agent reads what was appended since its last look and keeps the
// latest announcement per MAC. The journal is rotated by the reader once consumed.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/lines.h"
#include "common/result.h"

namespace gh::svc {

struct DhcpAnnouncement {
  std::string mac;  // lower case, colons
  std::string ip;
  std::string port;             // the router interface the request came in on
  std::string mud_url;          // empty when the device sent none (or an invalid one)
  std::string mud_url_problem;  // why the URL it sent was not taken
  int64_t at = 0;
};

// One dnsmasq event (action "add", "old" or "del") appended as a line.
Status dhcp_journal_append(const std::string& path, const std::string& action,
                           const DhcpAnnouncement& a);

class DhcpJournal {
 public:
  explicit DhcpJournal(std::string path, int64_t rotate_bytes = 4 << 20)
      : path_(std::move(path)), rotate_bytes_(rotate_bytes) {}
  ~DhcpJournal();
  DhcpJournal(const DhcpJournal&) = delete;
  DhcpJournal& operator=(const DhcpJournal&) = delete;
  // Reads the lines appended since the last call; true if an announcement changed.
  bool poll();
  const std::map<std::string, DhcpAnnouncement>& by_mac() const { return by_mac_; }

 private:
  bool drain(int fd, int64_t* offset);
  bool apply(const std::string& line);
  std::string path_;
  int64_t rotate_bytes_;
  int fd_ = -1;
  int64_t offset_ = 0;
  int old_fd_ = -1;  // the rotated file, read once more for a writer that had it open
  int64_t old_offset_ = 0;
  LineSplitter lines_;  // a line at most 64 KiB
  std::map<std::string, DhcpAnnouncement> by_mac_;
};

}  // namespace gh::svc
