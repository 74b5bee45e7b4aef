#include "codec/mud_file.h"

#include "common/time.h"

namespace gh::codec {

Result<MudSummary> check_mud_file(std::string_view text) {
  auto json = TRY(parse_json(text, "mud"));
  if (!json.is_object() || !json.contains("ietf-mud:mud") || !json["ietf-mud:mud"].is_object())
    return make_error("mud.structure", "mud: /ietf-mud:mud: missing or not an object");
  const Json& m = json["ietf-mud:mud"];
  const std::string path = "/ietf-mud:mud";
  if (!m.contains("mud-version") || !m["mud-version"].is_number_integer() ||
      m["mud-version"].get<int>() != 1)
    return make_error("mud.version", "mud: " + path + "/mud-version: must be 1");
  MudSummary s;
  s.mud_url = TRY_CTX(json_string(m, "mud-url", path), "mud");
  if (s.mud_url.rfind("https://", 0) != 0)
    return make_error("mud.url", "mud: " + path + "/mud-url: must be an https URL (RFC 8520 3.3)");
  auto last = TRY_CTX(json_string(m, "last-update", path), "mud");
  TRY_CTX(time::parse_rfc3339(last), "mud: " + path + "/last-update");
  if (m.contains("cache-validity")) {
    if (!m["cache-validity"].is_number_integer() || m["cache-validity"].get<int>() < 1 ||
        m["cache-validity"].get<int>() > 168)
      return make_error("mud.cache-validity",
                        "mud: " + path + "/cache-validity: must be 1..168 hours");
  }
  if (!m.contains("is-supported") || !m["is-supported"].is_boolean())
    return make_error("mud.is-supported",
                      "mud: " + path + "/is-supported: missing or not a boolean");
  s.is_supported = m["is-supported"].get<bool>();
  s.systeminfo = json_string_or(m, "systeminfo", "");
  return s;
}

}  // namespace gh::codec
