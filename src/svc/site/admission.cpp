#include "svc/site/admission.h"

#include "common/time.h"

namespace gh::svc {

ServeVerdict standing(const store::DeviceRecord& d, Service service) {
  ServeVerdict v;
  if (service == Service::kOnboard) {
    if (d.state == "revoked" || d.state == "decommissioned" || d.state == "quarantined" ||
        d.state == "transferred" || d.state == "end-of-life") {
      v.check = "policy.state";
      v.reason = d.serial + " is " + d.state;
      return v;
    }
  } else if (!store::in_service(d.state)) {
    v.check = "device." + d.state;
    v.reason = d.serial + " is " + d.state;
    return v;
  }
  v.allowed = true;
  return v;
}

ServeVerdict may_serve(const store::DeviceRecord& d, Service service,
                       const proto::policy::Subject& subject, PolicyStore& policy,
                       store::Inventory* log) {
  ServeVerdict v = standing(d, service);
  if (!v.allowed) return v;
  v.decision = policy.decide(subject, log);
  if (!v.decision.allow) {
    v.allowed = false;
    v.check = "policy.denied";
    v.reason = service == Service::kConnect
                   ? "rule " + v.decision.rule + " denies connecting"
                   : d.serial + " is denied by policy rule '" + v.decision.rule + "'";
  }
  return v;
}

SessionVerdict judge_session(store::Inventory& inv, PolicyStore& policy,
                             const std::string& cert_serial) {
  SessionVerdict v;
  auto cred = inv.credential(cert_serial);
  if (!cred || !*cred) {
    v.check = "credential.unknown";
    v.reason = "certificate " + cert_serial + " is not a credential this site issued";
    return v;
  }
  v.device = (*cred)->device;
  // A session on the LDevID that a renewal the device confirmed moments ago replaced: its
  // supplicant is re-authenticating with the new one (svc/device/renewal.cpp), and the port keeps
  // its rules meanwhile. No new session starts on the old one (it is in the CRL), and one left on
  // it is judged as superseded once the handover time has passed.
  const bool handing_over = (*cred)->status == "superseded" && (*cred)->ended_by == "renewal" &&
                            time::now() - (*cred)->ended_at <= kRenewalHandoverS;
  if ((*cred)->status != "active" && !handing_over) {
    v.check = "credential." + (*cred)->status;
    v.reason = "certificate " + cert_serial + " is " + (*cred)->status;
    return v;
  }
  auto rec = inv.get(v.device);
  if (!rec || !*rec) {
    v.check = "inventory.unknown";
    v.reason = v.device + " is not in the inventory";
    return v;
  }
  v.record = **rec;
  ServeVerdict s = may_serve(**rec, Service::kConnect, subject_for(**rec, "connect"), policy, &inv);
  v.decision = s.decision;
  if (!s.allowed) {
    v.check = s.check;
    v.reason = s.reason;
    return v;
  }
  v.admitted = true;
  v.segment = s.decision.segment;
  return v;
}

}  // namespace gh::svc
