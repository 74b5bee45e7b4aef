// `gatehouse bench update`: a campaign to N simulated devices on a real manufacturer and site made
// for the run. The manufacturer publishes release 1.1.0 in its TUF repository, the site mirrors
// it (verifying everything) and rolls it out in staged groups; each simulated device runs the
// whole TUF client workflow from the manufacturer's root in a fresh metadata directory (root,
// timestamp, snapshot and targets signatures, versions, expiry, then every target's length and
// hash) against the site's mirror, and reports download, install and confirm through the site's
// campaign engine (each confirm checked against an affirming attestation record the run writes
// for the device, as the verifier would). The clock runs from the campaign's creation until its
// last device confirmed.
#pragma once

#include <string>

#include "common/json.h"
#include "common/progress.h"
#include "common/result.h"

namespace gh::svc {

struct UpdateBenchOptions {
  int devices = 1000;
  int groups = 10;
  int threads = 0;       // 0: one per core
  std::string work_dir;  // default /dev/shm or /tmp
  ProgressFn progress;   // updating devices
};

Result<Json> bench_update(const UpdateBenchOptions& options);

}  // namespace gh::svc
