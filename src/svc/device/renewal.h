// The device's half of the LDevID's life after onboarding: renewal through EST /simplereenroll
// (RFC 7030 4.2.2) before the certificate runs out or when the site asks, and the factory reset a
// decommissioning site orders.
//
// A renewal never leaves the device without a working credential: the new key and certificate
// are kept beside the current ones (onboarding/renewal.json names them) until the site has
// accepted the new certificate, proven on a TLS session of its own (enrollstatus); only then does
// onboarding/network.json name the new pair, in one atomic write, and the old key go. A restart at
// any point finds either the old credential, or the old one with a renewal to finish.
#pragma once

#include <string>

#include "common/result.h"
#include "common/time.h"
#include "crypto/x509.h"
#include "svc/device/device_agent.h"

namespace gh::svc {

// When the LDevID is due for renewal: at fraction (0 < fraction < 1) of its lifetime.
time::Seconds renewal_due_at(const crypto::Certificate& ldevid, double fraction);

struct RenewalResult {
  std::string old_serial;  // certificate serials, hex
  std::string new_serial;
  bool new_key = false;
  time::Seconds not_after = 0;
};

// Renews the device's LDevID with the site that issued it: a new key (or the current one when
// new_key is false), a CSR with the current subject, /simplereenroll over TLS with the current
// LDevID, the confirmation over TLS with the new one, then the switch. Refusals keep their check
// ("est.superseded", "est.revoked", "est.expired", "est.rekey", ...); the current credential
// stays in use.
Result<RenewalResult> renew_ldevid(const OpenedDevice& dev, const SiteSession& site, bool new_key);

// Finishes a renewal a restart interrupted (onboarding/renewal.json): confirms it and switches,
// or drops it when the site no longer takes it. Whether there was one.
Result<bool> finish_renewal(const OpenedDevice& dev, const SiteSession& site);

// Factory reset: onboarding/, the run directory (the supplicant stopped first) and every key but
// those made at manufacture are removed; bootstrap/ and the firmware stay.
Status factory_reset(const std::string& device_dir);

}  // namespace gh::svc
