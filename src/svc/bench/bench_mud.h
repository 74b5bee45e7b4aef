// `gatehouse bench mud --devices N [--models M]`: builds the router agent's table for N devices
// spread over M MUD files, applies all of it in one nftables transaction (in a throwaway network
// namespace), then times single devices' changes (the incremental transactions) at that size.
// Root only (network namespaces).
#pragma once

#include "common/json.h"
#include "common/result.h"

namespace gh::svc {

struct MudBenchOptions {
  int devices = 1000;
  int models = 20;   // distinct MUD files
  int changes = 40;  // single-device changes timed (median and max reported)
};

Result<Json> bench_mud(const MudBenchOptions& options);

}  // namespace gh::svc
