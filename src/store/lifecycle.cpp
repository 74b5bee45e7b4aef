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
  }
  return "?";
}

const std::vector<TransitionRule>& lifecycle_rules() {
  // States: expected (from a bundle), voucher-issued, enrolled (LDevID issued, not yet
  // confirmed), onboarded, quarantined, revoked, decommissioned.
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
      {Transition::kReenrolled,
       "ldevid.renewed",
       {"enrolled", "onboarded", "quarantined"},
       "",
       {Actor::kRegistrar}},
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
       {"expected", "voucher-issued", "enrolled", "onboarded"},
       "quarantined",
       {Actor::kOperator, Actor::kVerifier}},
      {Transition::kRelease, "device.release", {"quarantined"}, "onboarded", {Actor::kOperator}},
      {Transition::kRevoke,
       "device.revoke",
       {"expected", "voucher-issued", "enrolled", "onboarded", "quarantined"},
       "revoked",
       {Actor::kOperator, Actor::kVerifier}},
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
