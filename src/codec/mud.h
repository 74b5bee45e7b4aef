// MUD files (RFC 8520 on RFC 8519 ACLs, JSON per RFC 7951): a parser that validates everything the
// RFC constrains and reports every problem by JSON path, and a legacy mode that rewrites known
// pre-RFC forms (saying what it rewrote) before the same strict checks.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace gh::codec::mud {

// RFC 8520 files are a few kilobytes. A site fetches at most net::kMaxBodyBytes (256 KiB) of one;
// the same limit holds for a file read from disk (mud check, publish-mud, the site's cache).
inline constexpr size_t kMaxMudBytes = 256 * 1024;
inline constexpr JsonLimits kMudJsonLimits{kMaxMudBytes, 32, 100'000};

struct Problem {
  std::string path;     // JSON path, e.g. /ietf-access-control-list:acls/acl/0/aces/ace/1/matches
  std::string code;     // mud.structure, mud.url, mud.dnsname, ...
  std::string message;  // what is wrong
};

struct PortMatch {
  std::string op;  // eq, neq, lte, gte, or "range"
  int port = 0;
  int lower = 0, upper = 0;  // range
};

struct Ace {
  std::string name;
  bool accept = true;  // forwarding accept; drop (and reject) otherwise
  // ipv4/ipv6
  std::optional<int> protocol;
  std::string src_dnsname, dst_dnsname;
  std::string src_network, dst_network;  // prefixes, as written
  // tcp/udp
  std::string l4;  // "tcp", "udp", "icmp" or "" (none)
  std::optional<PortMatch> src_port, dst_port;
  std::string direction_initiated;  // from-device, to-device, or ""
  // icmp
  std::optional<int> icmp_type, icmp_code;
  // eth
  std::optional<int> ethertype;
  std::string dst_mac, src_mac;  // aa:bb:cc:dd:ee:ff
  // ietf-mud:mud matches
  std::string manufacturer, model, controller;
  bool same_manufacturer = false, local_networks = false, my_controller = false;
};

struct Acl {
  std::string name;
  std::string type;  // ipv4-acl-type, ipv6-acl-type, eth-acl-type, mixed-...
  std::vector<Ace> aces;
  bool ipv4() const { return type.find("ipv4") != std::string::npos || type == "eth-acl-type"; }
  bool ipv6() const { return type.find("ipv6") != std::string::npos; }
};

struct File {
  std::string mud_url;
  std::string mud_signature;
  std::string last_update;
  int cache_validity = 48;
  bool is_supported = true;
  std::string systeminfo, mfg_name, model_name, firmware_rev, software_rev, documentation;
  std::vector<std::string> extensions;
  std::vector<std::string> from_device;  // ACL names, in order
  std::vector<std::string> to_device;
  std::map<std::string, Acl> acls;
  std::vector<Problem> warnings;  // ignored unknown nodes, legacy rewrites, approval needed
  bool has_ip_literals = false;   // RFC 8520: SHOULD NOT be applied without approval
};

struct Options {
  bool legacy = false;  // rewrite known pre-RFC forms instead of refusing them
};

// Every problem is collected; the file is usable only when the returned problems are empty. A text
// beyond kMudJsonLimits is one problem, "mud.size".
File parse(std::string_view text, const Options& options, std::vector<Problem>* problems);

// parse() as a Result: the first problem as the Error ("mud.*"), for callers that need one reason.
Result<File> parse_strict(std::string_view text);

// A MUD URL as RFC 8520 section 10 and the carriers allow it: https, with a host, printable ASCII
// without spaces, at most 255 bytes (what DHCPv4 option 161 and the IDevID extension can carry).
// The reason when it is not one; empty when it is.
std::string url_problem(std::string_view url);

}  // namespace gh::codec::mud
