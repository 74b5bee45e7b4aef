// The asset cross-check (`site assets check`): what the router sees (its report,
// SITE_STATE/router-view.json: DHCP leases, neighbours on device ports, 802.1X sessions and
// failures, per-device drops) against the inventory.
#pragma once

#include "common/json.h"
#include "svc/site/site.h"

namespace gh::svc {

// unknown (seen, in no inventory), not_onboarded_seen (expected devices on the network without
// onboarding), onboarded_not_seen, address_drift (a device's MAC at more than one address),
// mud_violations (traffic a device's MUD file does not allow, dropped), unsupported (MUD file says
// is-supported false), onboarded_not_connected (no admitted 802.1X session),
// sessions_not_admitted (authenticated, but superseded, revoked, quarantined or denied by policy,
// with the check), authentication_failures (the authenticator's recent EAP refusals).
Result<Json> assets_check(Site& site);

}  // namespace gh::svc
