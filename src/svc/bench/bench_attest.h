// `gatehouse bench attest`: EAT appraisals per second with every check on (COSE signature with the
// device's attestation key, claims, nonce MAC and expiry, single use, identity, debug, every
// measurement against the manufacturer's reference values), on a real manufacturer and site made
// for the run. Two figures: the verifier's engine with its nonces consumed in memory, and the
// site's verifier end to end (inventory lookups, nonces consumed in SQLite). With tpm, the devices
// have swtpm TPMs and every token carries a TPM 2.0 quote (made by the real swtpm before the clock
// starts; how fast the TPMs made them is a third figure): the appraisal adds the quote's
// signature, structure, nonce, PCR selection, event-log replay and counter checks.
#pragma once

#include <string>

#include "common/json.h"
#include "common/progress.h"
#include "common/result.h"

namespace gh::svc {

struct AttestBenchOptions {
  int tokens = 20000;
  int devices = 20;
  int threads = 0;       // 0: one per core
  std::string work_dir;  // where the temporary state goes (default /dev/shm or /tmp)
  bool tpm = false;
  ProgressFn progress;  // making evidence (the appraisals themselves are timed untouched)
};

Result<Json> bench_attest(const AttestBenchOptions& options);

}  // namespace gh::svc
