// What an operator does to one device after onboarding, through the API: the same store and site
// calls as the CLI's `site quarantine|release|revoke|renew|decommission|retire`, the same checks
// (device.state, lifecycle.state) and evidence events, with the operator's name in each event.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "svc/site/site.h"

namespace gh::svc {

enum class DeviceAction { kQuarantine, kRelease, kRevoke, kRenew, kDecommission, kRetire };

// "quarantine", "release", ...; and back (nullopt for another word).
const char* action_name(DeviceAction a);
std::optional<DeviceAction> parse_action(const std::string& name);
const std::vector<DeviceAction>& all_actions();
// Whether the action needs a reason (quarantine, revoke, decommission, as the CLI's --reason).
bool reason_required(DeviceAction a);
// The actions the lifecycle lets an operator start from state (what the dashboard offers; the
// site still decides each one, so a stale page's choice is refused with its check).
std::vector<DeviceAction> actions_from(const std::string& state);

struct ActionRequest {
  DeviceAction action = DeviceAction::kQuarantine;
  std::string reason;
  bool rekey = false;     // renew: with a new key
  bool transfer = false;  // decommission: the device was sold on (state transferred)
  std::string by;         // the operator's name, recorded in the event
};

struct ActionOutcome {
  std::string from;  // the state before
  std::string to;    // the state after
};

// Refused "inventory.unknown", "api.reason" (a reason is needed), "device.state" (quarantine of a
// quarantined device, release of one that is not, revoke of a revoked one) and the store's
// "lifecycle.state" / "lifecycle.actor": a refusal changes nothing.
Result<ActionOutcome> apply_device_action(Site& site, const std::string& serial,
                                          const ActionRequest& r);

}  // namespace gh::svc
