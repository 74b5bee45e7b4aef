#include "net/dns.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace gh::net {

Result<DnsAnswer> resolve(const std::string& name, bool v6, const std::string& server) {
  if (name.empty() || name.size() > 253) return make_error("dns.name", "not a DNS name: " + name);
  struct __res_state rs;
  std::memset(&rs, 0, sizeof rs);
  if (::res_ninit(&rs) != 0) return make_error("dns.failed", "no resolver configuration");
  rs.retrans = 1;
  rs.retry = 1;
  if (!server.empty()) {
    size_t colon = server.rfind(':');
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    int port = colon == std::string::npos ? 53 : std::atoi(server.c_str() + colon + 1);
    if (port < 1 || port > 65535 ||
        ::inet_pton(AF_INET, server.substr(0, colon).c_str(), &sa.sin_addr) != 1) {
      ::res_nclose(&rs);
      return make_error("dns.server", "not an IPv4:port DNS server: " + server);
    }
    sa.sin_port = htons(static_cast<uint16_t>(port));
    rs.nscount = 1;
    rs.nsaddr_list[0] = sa;
  }
  unsigned char buf[8192];
  int n = ::res_nquery(&rs, name.c_str(), ns_c_in, v6 ? ns_t_aaaa : ns_t_a, buf, sizeof buf);
  int herr = rs.res_h_errno;
  ::res_nclose(&rs);
  DnsAnswer out;
  if (n < 0) {
    // No such name, or no records of that type: an answer with nothing in it.
    if (herr == HOST_NOT_FOUND || herr == NO_DATA) return out;
    return make_error("dns.failed", "no answer for " + name);
  }
  ns_msg msg;
  if (::ns_initparse(buf, n, &msg) != 0)
    return make_error("dns.failed", "malformed answer for " + name);
  int ttl = INT_MAX;
  for (int i = 0; i < ns_msg_count(msg, ns_s_an); ++i) {
    ns_rr rr;
    if (::ns_parserr(&msg, ns_s_an, i, &rr) != 0)
      return make_error("dns.failed", "malformed answer for " + name);
    ttl = std::min(ttl, static_cast<int>(ns_rr_ttl(rr)));
    char text[INET6_ADDRSTRLEN] = {0};
    if (!v6 && ns_rr_type(rr) == ns_t_a && ns_rr_rdlen(rr) == 4)
      ::inet_ntop(AF_INET, ns_rr_rdata(rr), text, sizeof text);
    else if (v6 && ns_rr_type(rr) == ns_t_aaaa && ns_rr_rdlen(rr) == 16)
      ::inet_ntop(AF_INET6, ns_rr_rdata(rr), text, sizeof text);
    if (text[0]) out.addresses.push_back(text);
  }
  std::sort(out.addresses.begin(), out.addresses.end());
  out.addresses.erase(std::unique(out.addresses.begin(), out.addresses.end()), out.addresses.end());
  out.ttl_s = ttl == INT_MAX ? 0 : ttl;
  return out;
}

}  // namespace gh::net
