#include "codec/mud_file.h"

#include "codec/mud.h"

namespace gh::codec {

Result<MudSummary> check_mud_file(std::string_view text) {
  auto f = TRY(mud::parse_strict(text));
  MudSummary s;
  s.mud_url = f.mud_url;
  s.systeminfo = f.systeminfo;
  s.is_supported = f.is_supported;
  return s;
}

}  // namespace gh::codec
