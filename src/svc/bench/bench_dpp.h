// `gatehouse bench dpp`: N simulated enrollees, each doing DPP authentication and configuration
// over its own TCP connection, against our controller (a separate `site serve` process) and, on
// the same load, against wpa_supplicant 2.10's controller as the reference.
#pragma once

#include <string>

#include "common/json.h"
#include "common/progress.h"
#include "common/result.h"

namespace gh::svc {

struct DppBenchOptions {
  int devices = 1000;
  int concurrency = 64;
  std::string controller;      // tcp:HOST:PORT of a running controller; empty: start one
  std::string controller_uri;  // with controller: its bootstrapping URI
  bool reference = true;       // also run the load against wpa_supplicant's controller
  // The site knows every enrollee's key (the default policy) and authentication is mutual;
  // otherwise the site accepts unknown enrollees, responder-only: the same load as the reference.
  bool known = false;
  std::string self_exe;
  std::string work_dir;
  ProgressFn progress;  // configuring (ours), then configuring (wpa_supplicant's)
};

Result<Json> bench_dpp(const DppBenchOptions& options);

}  // namespace gh::svc
