// `gatehouse bench mud --devices N`: compiles one MUD file for N devices, applies all of it in one
// nftables transaction (in a throwaway network namespace), then times a single device's change at
// that size. Root only (network namespaces).
#pragma once

#include "common/json.h"
#include "common/result.h"

namespace gh::svc {

struct MudBenchOptions {
  int devices = 1000;
  int changes = 5;  // single-device changes timed (median reported)
};

Result<Json> bench_mud(const MudBenchOptions& options);

}  // namespace gh::svc
