#include "store/lifecycle.h"

#include <algorithm>

namespace gh::store {

const char* actor_name(Actor a) {
  switch (a) {
    case Actor::kOperator:
      return "operator";
    case Actor::kRegistrar:
      return "registrar";
    case Actor::kConfigurator:
      return "configurator";
    case Actor::kRouter:
      return "router";
    case Actor::kDevice:
      return "device";
    case Actor::kVerifier:
      return "verifier";
    case Actor::kMudManager:
      return "mud-manager";
  }
  return "?";
}

const std::vector<std::string>& lifecycle_states() {
  static const std::vector<std::string> states = {
      "expected",         "voucher-issued",    "enrolled",    "onboarded",
      "some-maintenance", "other-maintenance", "unsupported", "quarantined",
      "revoked",          "decommissioned",    "end-of-life", "transferred"};
  return states;
}

bool in_service(const std::string& state) {
  return state == "onboarded" || state == "some-maintenance" || state == "other-maintenance" ||
         state == "unsupported";
}

std::string lifecycle_phase(const std::string& state, const std::string& app_status) {
  if (state == "voucher-issued" || state == "enrolled") return "onboarding";
  if (state == "onboarded") return app_status == "operational" ? "operational" : "commissioned";
  return state;
}

const std::vector<TransitionRule>& lifecycle_rules() {
  // Where credentials are held: a renewal, its confirmation and an operator's request for one.
  static const std::vector<std::string> holding = {"enrolled",          "onboarded",
                                                   "quarantined",       "some-maintenance",
                                                   "other-maintenance", "unsupported"};
  static const std::vector<std::string> connected = {
      "expected",         "voucher-issued",    "enrolled",   "onboarded",
      "some-maintenance", "other-maintenance", "unsupported"};
  static const std::vector<std::string> ending = {
      "expected",         "voucher-issued",    "enrolled",    "onboarded", "quarantined",
      "some-maintenance", "other-maintenance", "unsupported", "revoked"};
  auto plus = [](std::vector<std::string> v, const std::string& s) {
    v.push_back(s);
    return v;
  };
  static const std::vector<TransitionRule> rules = {
      {Transition::kVoucherIssued,
       "voucher.issued",
       {"expected", "voucher-issued", "enrolled", "onboarded"},
       "voucher-issued",
       {Actor::kRegistrar}},
      {Transition::kLdevidIssued,
       "ldevid.issued",
       {"voucher-issued"},
       "enrolled",
       {Actor::kRegistrar}},
      {Transition::kReenrolled, "ldevid.renewed", holding, "", {Actor::kRegistrar}},
      {Transition::kEnrollConfirmed,
       "enroll.confirmed",
       {"enrolled"},
       "onboarded",
       {Actor::kDevice}},
      {Transition::kDppCredential,
       "dpp.ldevid",
       {"expected", "voucher-issued", "enrolled", "onboarded"},
       "enrolled",
       {Actor::kConfigurator}},
      {Transition::kDppConfigured,
       "dpp.configured",
       {"expected", "voucher-issued", "enrolled", "onboarded"},
       "onboarded",
       {Actor::kConfigurator}},
      {Transition::kQuarantine,
       "device.quarantine",
       connected,
       "quarantined",
       {Actor::kOperator, Actor::kVerifier}},
      {Transition::kRelease, "device.release", {"quarantined"}, "onboarded", {Actor::kOperator}},
      {Transition::kRevoke,
       "device.revoke",
       plus(connected, "quarantined"),
       "revoked",
       {Actor::kOperator, Actor::kVerifier}},
      {Transition::kRenewalRequested, "ldevid.renew-requested", holding, "", {Actor::kOperator}},
      {Transition::kRenewalConfirmed, "ldevid.renew-confirmed", holding, "", {Actor::kDevice}},
      // The kind (some- or other-maintenance) is the caller's: state_after gives "".
      {Transition::kMaintenanceBegin,
       "maintenance.begin",
       {"onboarded", "some-maintenance", "other-maintenance"},
       "",
       {Actor::kOperator}},
      {Transition::kMaintenanceEnd,
       "maintenance.end",
       {"some-maintenance", "other-maintenance"},
       "onboarded",
       {Actor::kOperator}},
      {Transition::kUnsupported,
       "device.unsupported",
       {"onboarded", "some-maintenance", "other-maintenance"},
       "unsupported",
       {Actor::kOperator, Actor::kMudManager}},
      {Transition::kDecommission,
       "device.decommission",
       ending,
       "decommissioned",
       {Actor::kOperator}},
      {Transition::kTransfer,
       "device.transferred",
       plus(ending, "decommissioned"),
       "transferred",
       {Actor::kOperator}},
      {Transition::kRepurpose,
       "device.repurpose",
       {"decommissioned"},
       "expected",
       {Actor::kOperator}},
      {Transition::kRetire,
       "device.retired",
       {"expected", "revoked", "decommissioned"},
       "end-of-life",
       {Actor::kOperator}},
      {Transition::kReturned, "device.returned", {"transferred"}, "expected", {Actor::kOperator}},
  };
  return rules;
}

const TransitionRule& rule_for(Transition t) {
  for (const auto& r : lifecycle_rules())
    if (r.transition == t) return r;
  return lifecycle_rules().front();  // unreachable: every enumerator has a rule (unit-tested)
}

Status check_transition(Transition t, Actor by, const std::string& serial,
                        const std::string& from_state) {
  const TransitionRule& r = rule_for(t);
  if (std::find(r.by.begin(), r.by.end(), by) == r.by.end())
    return make_error("lifecycle.actor", std::string("the ") + actor_name(by) + " may not cause " +
                                             r.name + " for " + serial);
  if (std::find(r.from.begin(), r.from.end(), from_state) == r.from.end()) {
    std::string allowed;
    for (const auto& s : r.from) allowed += (allowed.empty() ? "" : ", ") + s;
    return make_error("lifecycle.state", serial + " is " + from_state + ": " + r.name +
                                             " is allowed only from " + allowed);
  }
  return ok_status();
}

std::string state_after(Transition t, const std::string& from_state) {
  const TransitionRule& r = rule_for(t);
  return r.to.empty() ? from_state : r.to;
}

}  // namespace gh::store
