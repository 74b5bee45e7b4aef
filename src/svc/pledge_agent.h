// `gatehouse device onboard --brski URL`: the device agent driving the Pledge engine over TLS.
#pragma once

#include <string>

#include "common/result.h"

namespace gh::svc {

struct BrskiOnboardOptions {
  std::string device_dir;
  std::string registrar_url;  // https://HOST:PORT
  int timeout_s = 120;        // overall deadline for retries
};

struct BrskiOnboardResult {
  std::string serial;
  std::string ldevid_serial;
  std::string domain;
  int attempts = 0;
};

Result<BrskiOnboardResult> onboard_brski(const BrskiOnboardOptions& options);

}  // namespace gh::svc
