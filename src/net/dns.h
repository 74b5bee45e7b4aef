// DNS lookups that report how long the answer may be kept (the records' TTL), for address sets
// that follow DNS names (RFC 8520 dst-dnsname/src-dnsname). Uses the system's resolver
// configuration (resolv.conf).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace gh::net {

struct DnsAnswer {
  std::vector<std::string> addresses;  // sorted, unique; empty when the name has none
  int ttl_s = 0;                       // the smallest TTL in the answer (CNAMEs included)
};

// A (v6 false) or AAAA records of name, following CNAMEs. "dns.failed" when no server answered
// (one try, one second: the router's loop waits for it) or the answer is malformed; a name without
// such records is an empty answer, not an error. server: "IPv4:port" to ask instead of the
// resolv.conf servers.
Result<DnsAnswer> resolve(const std::string& name, bool v6, const std::string& server = "");

}  // namespace gh::net
