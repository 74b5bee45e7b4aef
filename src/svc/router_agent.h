// The enforcement point on the router (`gatehouse router serve`, run in the router's network
// namespace). It runs the 802.1X authenticator on every device port (svc/authenticator) and keeps
// one nftables table in step with the site: a port without an authenticated session reaches only
// DHCP, DNS and the onboarding services; a station that authenticated with an LDevID that is the
// device's current credential, of a device that is onboarded (not quarantined or revoked) and that
// the authorization policy lets connect, gets its own from-device and to-device chains compiled
// from its verified MUD file (RFC 8520), bound to that port and MAC. Every change is one atomic nft
// transaction; a failed one leaves the previous rules in place. Every session, refusal and end
// goes to the site's evidence log.
#pragma once

#include <deque>
#include <memory>
#include <set>
#include <string>

#include "common/result.h"
#include "store/inventory.h"
#include "svc/authenticator.h"
#include "svc/policy_store.h"

namespace gh::net {
class NftSession;
}

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
  AuthenticatorOptions auth;  // dir, server certificate and key; CA and CRL default to the site's
};

// Is this authenticated session a device the network admits? The check that failed otherwise.
struct SessionVerdict {
  bool admitted = false;
  std::string device;          // serial, when the credential is known
  store::DeviceRecord record;  // the device's inventory record, when it is in the inventory
  std::string check;           // e.g. credential.superseded, device.quarantined, policy.denied
  std::string reason;
};
SessionVerdict judge_session(store::Inventory& inv, PolicyStore& policy, const EapSession& s);

// Computes the ruleset for the current state of the site and the authenticated sessions (pure
// apart from reading files and DNS).
Result<std::string> router_ruleset(const RouterOptions& o, store::Inventory& inv,
                                   PolicyStore& policy, const std::vector<EapSession>& sessions,
                                   std::set<std::string>* admitted_addresses = nullptr);
// What the agent remembers between syncs.
struct RouterState {
  std::string applied;                   // the ruleset last applied
  std::set<std::string> addresses;       // addresses of the devices admitted at that time
  std::shared_ptr<net::NftSession> nft;  // libnftables context, opened on first use
};
// Applies the ruleset when it differs from the one applied; returns whether it changed anything.
// A device that lost its admission (quarantine, revocation, logoff) loses its open connections.
Result<bool> router_sync(const RouterOptions& o, store::Inventory& inv, PolicyStore& policy,
                         const std::vector<EapSession>& sessions, RouterState* state);
// What the router sees, for the site's asset check: DHCP leases, neighbours, authenticator
// sessions and recent failures, and per device chain the packets its default deny dropped.
// Written to SITE_STATE/router-view.json.
Status router_report(const RouterOptions& o, const std::vector<EapSession>& sessions,
                     const std::deque<EapEvent>& failures);
// Loops until SIGTERM/SIGINT.
Status router_serve(const RouterOptions& o);

}  // namespace gh::svc
