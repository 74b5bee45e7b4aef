// `gatehouse bench renew`: N onboarded devices renew their LDevIDs against the site's registrar,
// each with the device agent's own renewal (svc/device/renewal.h: a new key made in its file
// keystore, EST /simplereenroll over mutual TLS with the current LDevID, the confirmation over a
// second TLS session with the new one, the switch on disk), C at a time, against `site serve` in a
// process of its own on the same machine. Both sides share the machine's cores; the site's own
// CPU time per renewal is measured too, and from it what the site alone can take.
#pragma once

#include <string>

#include "common/json.h"
#include "common/progress.h"
#include "common/result.h"

namespace gh::svc {

struct RenewBenchOptions {
  int devices = 1000;
  int concurrency = 16;
  std::string work_dir;  // default /dev/shm or /tmp
  std::string self_exe;  // the gatehouse binary: the site runs as `site serve` of its own
  ProgressFn progress;   // onboarding (setup), renewing
};

Result<Json> bench_renew(const RenewBenchOptions& options);

}  // namespace gh::svc
