// `gatehouse device run`: the device agent, the long-running process on an onboarded device. Over
// mutual TLS with its LDevID it answers the site's attestation challenge on the interval the site
// sets (continuous assurance); the application-layer onboarding, update and renewal steps of the
// lifecycle issues join this loop.
#pragma once

#include <functional>
#include <string>

#include "common/result.h"
#include "svc/device/attest_client.h"

namespace gh::svc {

struct DeviceRunOptions {
  std::string device_dir;
  std::string site_url;  // default: onboarding/network.json's site-url (set by BRSKI onboarding)
  int interval_s = 0;    // 0: as the site says (its policy's assurance interval)
  int rounds = 0;        // attestation rounds before returning; 0: until stopped
  // Application-layer onboarding (streamlined) and updates from the site's campaigns, after
  // each attestation round.
  bool updates = true;
  // LDevID renewal (EST /simplereenroll): at this fraction of the certificate's lifetime, or
  // when the site asks; with a new key unless renew_new_key is false (the site's "rekey" always
  // makes one).
  double renew_at = 2.0 / 3.0;
  bool renew_new_key = true;
  // Called after each round (for the CLI's output and for tests).
  std::function<void(const Result<AttestReply>&)> on_round;
  // Called with each application/update step ("app-onboarded 1.0.0", "installed 1.1.0", ...).
  std::function<void(const std::string&)> on_update;
};

// Runs until stopped (SIGINT/SIGTERM) or rounds are done. Returns the refusal that ended it when
// the site no longer accepts the device's credential ("attest.credential"), or
// "device.decommissioned" after wiping the device to factory state because its site said so.
Status run_device(const DeviceRunOptions& options);

}  // namespace gh::svc
