// Structural checks a manufacturer runs before signing a MUD file (RFC 8520 section 3).
// The full validator and compiler (`gatehouse mud check`) come with the MUD manager.
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

// Parses text and checks the ietf-mud:mud container: mud-version 1, mud-url (https), last-update,
// cache-validity (1..168 if present), is-supported. Refusals name the JSON path.
Result<MudSummary> check_mud_file(std::string_view text);

}  // namespace gh::codec
