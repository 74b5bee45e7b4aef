// The enforcement point on the router (`gatehouse router serve`, run in the router's network
// namespace): it keeps one nftables table in step with the site: devices that are not onboarded
// reach only DHCP, DNS and the onboarding services; each onboarded device whose MUD file the site
// has verified gets its own from-device and to-device chains compiled from that file (RFC 8520),
// with DNS names resolved into the chains' address sets. Every change is one atomic nft
// transaction; a failed one leaves the previous rules in place.
#pragma once

#include <set>
#include <string>

#include "common/result.h"

namespace gh::svc {

struct RouterOptions {
  std::string site_state;  // the site's state directory (inventory, verified MUD copies)
  std::string leases;      // dnsmasq's lease file: device MAC -> address
  std::string table = "gh_lab";
  std::string device_ports = "r-dev*";        // interface names of device ports (nft wildcard)
  std::string upstream_port = "r-site";       // the site's port (trusted)
  std::string onboarding_addr = "10.77.0.2";  // registrar and DPP controller
  std::string ruleset_path;                   // where the applied ruleset is written
  int interval_ms = 300;
};

// Computes the ruleset for the current state of the site (pure apart from reading files and DNS).
Result<std::string> router_ruleset(const RouterOptions& o);
// What the agent remembers between syncs.
struct RouterState {
  std::string applied;                // the ruleset last applied
  std::set<std::string> quarantined;  // addresses of devices in quarantine at that time
};
// Applies the ruleset when it differs from the one applied; returns whether it changed anything.
Result<bool> router_sync(const RouterOptions& o, RouterState* state);
// What the router sees, for the site's asset check: DHCP leases, neighbours, and per device chain
// the packets its default deny dropped. Written to SITE_STATE/router-view.json.
Status router_report(const RouterOptions& o);
// Loops until SIGTERM/SIGINT.
Status router_serve(const RouterOptions& o);

}  // namespace gh::svc
