// `gatehouse bench brski`: N simulated pledges, each running the whole BRSKI flow on its own TLS
// sessions, against a registrar and a MASA running as separate processes.
#pragma once

#include <string>

#include "common/json.h"
#include "common/progress.h"
#include "common/result.h"

namespace gh::svc {

struct BrskiBenchOptions {
  int devices = 500;
  int concurrency = 64;
  std::string site_url;    // empty: make a temporary manufacturer and site and start them
  std::string images_dir;  // with site_url: device images the site expects
  std::string self_exe;    // the gatehouse binary, to start masa serve and site serve
  std::string work_dir;    // where the temporary state goes (default /dev/shm or /tmp)
  ProgressFn progress;     // making devices, onboarding
};

Result<Json> bench_brski(const BrskiBenchOptions& options);

}  // namespace gh::svc
