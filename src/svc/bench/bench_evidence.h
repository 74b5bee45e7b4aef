// `gatehouse bench evidence`: the tamper-evident evidence log on a real site made for the run:
// N entries appended to the site's log (SQLite, from as many threads as cores, as the site's
// services append), then a full export (every entry's leaf hash, the RFC 9162 tree, its block
// hashes and a signed checkpoint) and its offline verification, each timed.
#pragma once

#include <string>

#include "common/json.h"
#include "common/progress.h"
#include "common/result.h"

namespace gh::svc {

struct EvidenceBenchOptions {
  int entries = 100000;
  int threads = 0;       // appending threads; 0: one per core
  std::string work_dir;  // default /dev/shm or /tmp
  ProgressFn progress;   // appending
};

Result<Json> bench_evidence(const EvidenceBenchOptions& options);

}  // namespace gh::svc
