// May the site serve this device? The one answer the registrar (BRSKI), the DPP configurator and
// the router (802.1X admission) all ask for: the device's standing in the inventory first, then
// the authorization policy, whose deciding rule is named.
#pragma once

#include <string>

#include "proto/policy.h"
#include "store/inventory.h"
#include "svc/site/policy_store.h"

namespace gh::svc {

enum class Service {
  kOnboard,  // network-layer onboarding (BRSKI voucher and enrollment, DPP configuration)
  kConnect,  // joining the network with the credential onboarding gave (802.1X, the router)
};

struct ServeVerdict {
  bool allowed = false;
  std::string check;   // the check that failed: policy.state, device.<state>, policy.denied
  std::string reason;  // for the operator
  proto::policy::Decision decision;  // when the policy was asked
  Error error() const { return make_error(check, reason); }
};

// Only the device's standing: onboarding is refused to a revoked, decommissioned or quarantined
// device; connecting needs an onboarded one.
ServeVerdict standing(const store::DeviceRecord& d, Service service);
// Standing, then the policy for subject (the caller's view of the device for its protocol).
ServeVerdict may_serve(const store::DeviceRecord& d, Service service,
                       const proto::policy::Subject& subject, PolicyStore& policy,
                       store::Inventory* log);

// Is this authenticated 802.1X session a device the network admits? The check that failed
// otherwise. The credential is named by its certificate serial (lower-case hex).
struct SessionVerdict {
  bool admitted = false;
  std::string device;          // serial, when the credential is known
  store::DeviceRecord record;  // the device's inventory record, when it is in the inventory
  std::string segment;         // the policy's segment for it, when admitted
  std::string check;           // e.g. credential.superseded, device.quarantined, policy.denied
  std::string reason;
  proto::policy::Decision decision;  // when the policy was asked (its rule is then named)
};
// A session on an LDevID superseded by a confirmed renewal is judged as its device for this long
// after the confirmation (the supplicant's re-authentication with the new one), then refused.
inline constexpr time::Seconds kRenewalHandoverS = 30;
SessionVerdict judge_session(store::Inventory& inv, PolicyStore& policy,
                             const std::string& cert_serial);

}  // namespace gh::svc
