// The device lifecycle as a state machine, enforced where the state is stored: every change names
// the states it may start from and who may cause it; anything else is refused, recorded, and
// changes nothing (a device's own report completes a step the site started and never overrides
// the site's verdict).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace gh::store {

// Who causes a change.
enum class Actor {
  kOperator,      // the site's operator (CLI, API)
  kRegistrar,     // the BRSKI registrar / EST server, on a verified protocol step
  kConfigurator,  // the DPP configurator, on a completed configuration
  kRouter,        // the router, on an 802.1X verdict
  kDevice,        // the device's own report (voucher_status, enrollstatus, configuration result)
  kVerifier,      // the site's attestation verifier, acting on an appraisal as the policy says
  kMudManager,    // the site's MUD manager, on a verified MUD file (is-supported: false)
};
const char* actor_name(Actor a);

enum class Transition {
  kVoucherIssued,     // registrar: a voucher went to the pledge (onboarding, or re-onboarding)
  kLdevidIssued,      // registrar: EST simpleenroll issued the LDevID
  kReenrolled,        // registrar: EST simplereenroll renewed it (the state stays)
  kEnrollConfirmed,   // device: enrollstatus success, over TLS with that LDevID
  kDppCredential,     // configurator: a DPP configuration's 802.1X certificate was issued
  kDppConfigured,     // configurator: a DPP configuration was delivered
  kQuarantine,        // operator, or the verifier on failing evidence
  kRelease,           // operator: back to onboarded (never the verifier: a person decides)
  kRevoke,            // operator, or the verifier on failing evidence: credentials revoked
  kRenewalRequested,  // operator: the device is to renew (or rekey) its LDevID at next contact
  kRenewalConfirmed,  // device: over TLS with the renewed LDevID, which supersedes the old one
  kMaintenanceBegin,  // operator: some-maintenance (stays in service) or other-maintenance
  kMaintenanceEnd,    // operator: back to onboarded
  kUnsupported,       // operator, or the MUD manager on a MUD file saying is-supported: false
  kDecommission,      // operator: credentials revoked, rules removed, the agent told to wipe
  kTransfer,          // operator: decommissioned because the device was sold on (resale)
  kRepurpose,         // operator: a decommissioned device may onboard again (same owner)
  kRetire,            // operator: end of life
  kReturned,          // a bundle with a newer declaration brings a transferred device back
};

struct TransitionRule {
  Transition transition;
  const char* name;               // as the evidence log names it
  std::vector<std::string> from;  // the states it may start from
  std::string to;                 // the state it leaves; empty: unchanged
  std::vector<Actor> by;          // who may cause it
};
const TransitionRule& rule_for(Transition t);
const std::vector<TransitionRule>& lifecycle_rules();

// The states (IR 8350 Figure 6), as stored: expected; voucher-issued and enrolled (Figure 6's
// "onboarding"); onboarded (network-layer onboarded: "commissioned", and "operational" once its
// application reports so: lifecycle_phase); some-maintenance; other-maintenance; unsupported;
// quarantined; revoked; decommissioned; end-of-life; transferred.
// A device in one of these is served the network (802.1X, MUD rules, the lifecycle service), in
// the segment the policy gives it (a policy rule can match the state).
bool in_service(const std::string& state);
// Figure 6's name for where the device is: the state, except "onboarding" for voucher-issued and
// enrolled, and "commissioned" / "operational" for onboarded (by whether its application reported
// operational).
std::string lifecycle_phase(const std::string& state, const std::string& app_status);
// Every state, in lifecycle order (for listings and validation).
const std::vector<std::string>& lifecycle_states();

// ok, or the check that refuses it: "lifecycle.actor" (this actor may not cause it) or
// "lifecycle.state" (not from this state).
Status check_transition(Transition t, Actor by, const std::string& serial,
                        const std::string& from_state);
// The state a device is in after t from from_state (t allowed).
std::string state_after(Transition t, const std::string& from_state);

}  // namespace gh::store
