// The enforcement point on the router (`gatehouse router serve`, run in the router's network
// namespace). It runs the 802.1X authenticator on every device port (svc/authenticator) and keeps
// one nftables table in step with the site: a port without an authenticated session reaches only
// DHCP, DNS and the onboarding services; a station that authenticated with an LDevID that is the
// device's current credential, of a device that is onboarded (not quarantined or revoked) and that
// the authorization policy lets connect, is sent through the from-device and to-device chains
// compiled from its verified MUD file (RFC 8520; shared by the devices declaring that file), bound
// to that port and MAC (proto/router_rules). Every change is one atomic nft transaction carrying
// only what changed; a failed one leaves the previous rules in place. Every session, refusal and
// end goes to the site's evidence log.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/result.h"
#include "proto/router_rules.h"
#include "store/inventory.h"
#include "svc/router/authenticator.h"
#include "svc/router/dhcp_journal.h"
#include "svc/site/admission.h"
#include "svc/site/policy_store.h"

namespace gh::net {
class NftSession;
}

namespace gh::svc {

struct RouterOptions {
  std::string site_state;    // the site's state directory (inventory, verified MUD copies)
  std::string leases;        // dnsmasq's lease file: device MAC -> address
  std::string dhcp_journal;  // router dhcp-event's journal (DHCP option 161), if dnsmasq runs it
  std::string table = "gh_lab";
  std::string device_ports = "r-dev*";        // interface names of device ports (nft wildcard)
  std::string upstream_port = "r-site";       // the site's port (trusted)
  std::string onboarding_addr = "10.77.0.2";  // registrar and DPP controller
  std::vector<int> onboarding_ports = {8443, 8908};
  std::string ruleset_path;  // where the applied ruleset is written
  int interval_ms = 300;
  // HOST:PORT where GET /metrics answers the agent's metrics in plain HTTP (router_metrics.h);
  // empty: not served.
  std::string metrics_listen;
  AuthenticatorOptions auth;  // dir, server certificate and key; CA and CRL default to the site's
};

// The router's table for the current state of the site and the authenticated sessions (pure
// apart from reading files and DNS), with the device behind each admitted station and address.
struct RouterView {
  proto::router::Table table;
  std::map<std::string, std::string> station_owner;  // station_key -> serial
  std::map<std::string, std::string> address_owner;  // IPv4 address -> serial
};
// The addresses of the DNS names MUD files name, each asked again when its answer's TTL has run
// out (at least 1 s, at most 1 h apart); a failed lookup keeps the last answer and is retried
// after 5 s. The router's resolver is the network's own (dnsmasq in the lab), so the devices and
// the router see the same answers.
class DnsCache {
 public:
  std::vector<std::string> get(const std::string& name, bool v6, double now_s);
  // Forgets names nobody asked for in the last hour (MUD files that are gone).
  void prune(double now_s);

 private:
  static constexpr int kMinTtlS = 1, kMaxTtlS = 3600;
  static constexpr double kRetryS = 5;
  struct Entry {
    bool resolved = false;
    std::vector<std::string> addresses;
    double expires = 0;
    double asked = 0;
    std::string error;
  };
  std::map<std::pair<std::string, bool>, Entry> entries_;
};

proto::router::Frame router_frame(const RouterOptions& o);
// dns: where answers are kept between calls (nullptr: every name asked now).
Result<RouterView> router_table(const RouterOptions& o, store::Inventory& inv, PolicyStore& policy,
                                const std::vector<EapSession>& sessions, DnsCache* dns = nullptr);
// What the agent remembers between syncs.
struct RouterState {
  bool applied = false;  // whether `view.table` is what the kernel holds
  RouterView view;       // as last applied
  DnsCache dns;
  std::shared_ptr<net::NftSession> nft;  // libnftables context, opened on first use
};
// Brings the kernel's table to the current state, by an incremental transaction when it can;
// returns whether it changed anything. A device that lost its admission (quarantine, revocation,
// logoff) loses its open connections.
Result<bool> router_sync(const RouterOptions& o, store::Inventory& inv, PolicyStore& policy,
                         const std::vector<EapSession>& sessions, RouterState* state);
// The MUD URLs authenticated devices announced in DHCP, offered to the site as claims
// (store::Inventory::claim_mud_url): once per credential and URL (offered remembers them). A device
// whose birth credentials name a URL keeps it; another URL there is recorded as a conflict.
void claim_announced(store::Inventory& inv, const std::vector<EapSession>& sessions,
                     const std::map<std::string, DhcpAnnouncement>& dhcp,
                     std::map<std::string, std::string>* offered);
// What the router sees, for the site's asset check: DHCP leases (and what devices announced in
// DHCP), neighbours, authenticator sessions and recent failures, and per admitted device (serial)
// the packets its MUD file's default deny dropped. Written to SITE_STATE/router-view.json.
Status router_report(const RouterOptions& o, const RouterView& view,
                     const std::vector<EapSession>& sessions, const std::deque<EapEvent>& failures,
                     const std::map<std::string, DhcpAnnouncement>& dhcp = {});
// Loops until SIGTERM/SIGINT.
Status router_serve(const RouterOptions& o);

}  // namespace gh::svc
