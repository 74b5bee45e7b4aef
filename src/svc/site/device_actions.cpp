#include "svc/site/device_actions.h"

#include "store/lifecycle.h"

namespace gh::svc {
namespace {

struct Named {
  DeviceAction action;
  const char* name;
  bool needs_reason;
  store::Transition transition;  // the lifecycle step it takes
};
constexpr Named kActions[] = {
    {DeviceAction::kQuarantine, "quarantine", true, store::Transition::kQuarantine},
    {DeviceAction::kRelease, "release", false, store::Transition::kRelease},
    {DeviceAction::kRevoke, "revoke", true, store::Transition::kRevoke},
    {DeviceAction::kRenew, "renew", false, store::Transition::kRenewalRequested},
    {DeviceAction::kDecommission, "decommission", true, store::Transition::kDecommission},
    {DeviceAction::kRetire, "retire", false, store::Transition::kRetire}};

// The event of an operator's step, as the CLI writes it, plus who took it.
store::Event operator_event(const std::string& serial, const std::string& kind,
                            const std::string& reason, const std::string& from,
                            const std::string& by, Json detail = Json::object()) {
  detail["from"] = from;
  detail["actor"] = "operator";
  detail["operator"] = by;
  detail["via"] = "api";
  return store::Event{0, 0, serial, kind, "ok", reason, detail.dump()};
}

// Site::revoke with the operator's name in the event.
Status revoke_as(Site& site, const store::DeviceRecord& d, const ActionRequest& r,
                 store::Transition t) {
  return site.revoke(d.serial, r.reason, store::Actor::kOperator, t,
                     Json{{"actor", "operator"}, {"operator", r.by}, {"via", "api"}});
}

Status quarantine(Site& site, const store::DeviceRecord& d, const ActionRequest& r, bool on) {
  if (on && d.state == "quarantined")
    return make_error("device.state", d.serial + " is already quarantined");
  if (!on && d.state != "quarantined")
    return make_error("device.state", d.serial + " is not quarantined (" + d.state + ")");
  return site.inventory().transition(
      d.serial, on ? store::Transition::kQuarantine : store::Transition::kRelease,
      store::Actor::kOperator,
      operator_event(d.serial, on ? "device.quarantine" : "device.release",
                     on ? r.reason : (r.reason.empty() ? "released" : r.reason), d.state, r.by,
                     Json{{"reason", r.reason}}));
}

Status act(Site& site, const store::DeviceRecord& d, const ActionRequest& r) {
  switch (r.action) {
    case DeviceAction::kQuarantine:
      return quarantine(site, d, r, true);
    case DeviceAction::kRelease:
      return quarantine(site, d, r, false);
    case DeviceAction::kRevoke:
      return revoke_as(site, d, r, store::Transition::kRevoke);
    case DeviceAction::kDecommission:
      return revoke_as(
          site, d, r, r.transfer ? store::Transition::kTransfer : store::Transition::kDecommission);
    case DeviceAction::kRenew: {
      const std::string what = r.rekey ? "rekey" : "renew";
      std::string reason =
          r.reason.empty() ? (r.rekey ? "renewal with a new key requested" : "renewal requested")
                           : r.reason;
      return site.inventory().request_renewal(
          d.serial, what,
          operator_event(d.serial, "ldevid.renew-requested", reason, d.state, r.by,
                         Json{{"renewal", what}}));
    }
    case DeviceAction::kRetire: {
      const auto& rule = store::rule_for(store::Transition::kRetire);
      return site.inventory().transition(
          d.serial, store::Transition::kRetire, store::Actor::kOperator,
          operator_event(d.serial, rule.name, r.reason.empty() ? rule.name : r.reason, d.state,
                         r.by,
                         Json{{"to", store::state_after(store::Transition::kRetire, d.state)}}));
    }
  }
  return make_error("api.action", "no such action");
}

}  // namespace

const char* action_name(DeviceAction a) {
  for (const auto& n : kActions)
    if (n.action == a) return n.name;
  return "?";
}

std::optional<DeviceAction> parse_action(const std::string& name) {
  for (const auto& n : kActions)
    if (name == n.name) return n.action;
  return std::nullopt;
}

const std::vector<DeviceAction>& all_actions() {
  static const std::vector<DeviceAction> all = [] {
    std::vector<DeviceAction> v;
    for (const auto& n : kActions) v.push_back(n.action);
    return v;
  }();
  return all;
}

bool reason_required(DeviceAction a) {
  for (const auto& n : kActions)
    if (n.action == a) return n.needs_reason;
  return false;
}

std::vector<DeviceAction> actions_from(const std::string& state) {
  // Quarantine and release undo each other: only one of them applies at a time (as
  // apply_device_action's device.state check says).
  const bool quarantined = state == "quarantined";
  std::vector<DeviceAction> out;
  for (const auto& n : kActions) {
    if (n.action == DeviceAction::kQuarantine && quarantined) continue;
    if (n.action == DeviceAction::kRelease && !quarantined) continue;
    if (store::check_transition(n.transition, store::Actor::kOperator, "", state).ok())
      out.push_back(n.action);
  }
  return out;
}

Result<ActionOutcome> apply_device_action(Site& site, const std::string& serial,
                                          const ActionRequest& r) {
  if (reason_required(r.action) && r.reason.empty())
    return make_error("api.reason", std::string(action_name(r.action)) + " needs a reason");
  auto before = TRY(site.inventory().get(serial));
  if (!before) return make_error("inventory.unknown", serial + " is not in the inventory");
  TRY(act(site, *before, r));
  auto after = TRY(site.inventory().get(serial));
  return ActionOutcome{before->state, after ? after->state : ""};
}

}  // namespace gh::svc
