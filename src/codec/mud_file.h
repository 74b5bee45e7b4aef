// The checks a manufacturer's publish step runs before signing a MUD file: the full RFC 8520
// validation of codec/mud.h, summarised.
#pragma once

#include <string>

#include "common/json.h"
#include "common/result.h"

namespace gh::codec {

struct MudSummary {
  std::string mud_url;
  std::string systeminfo;
  bool is_supported = true;
};

// Validates the whole file (codec/mud.h, strict); the first problem refuses, naming its JSON path.
Result<MudSummary> check_mud_file(std::string_view text);

}  // namespace gh::codec
