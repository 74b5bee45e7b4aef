// The API's OpenAPI 3.0 document (GET /api/v1/openapi.json). Written out here, path by path, and
// not generated from the route table: the unit test compares the two, so a route added without
// its description (or a description left after its route went) fails the build's tests.
#include "svc/site/api_service.h"

namespace gh::svc {
namespace {

Json schema_ref(const std::string& name) {
  return Json{{"$ref", "#/components/schemas/" + name}};
}
Json response_ref(const std::string& name) {
  return Json{{"$ref", "#/components/responses/" + name}};
}
Json json_body(const Json& schema) {
  return Json{{"application/json", {{"schema", schema}}}};
}
Json answer(const std::string& description, const Json& schema) {
  return Json{{"description", description}, {"content", json_body(schema)}};
}
Json str(const std::string& description = "") {
  Json j{{"type", "string"}};
  if (!description.empty()) j["description"] = description;
  return j;
}
Json str_enum(const std::vector<std::string>& values) {
  return Json{{"type", "string"}, {"enum", values}};
}
Json integer(int64_t min, int64_t max, int64_t dflt) {
  return Json{{"type", "integer"}, {"minimum", min}, {"maximum", max}, {"default", dflt}};
}
Json boolean(const std::string& description) {
  return Json{{"type", "boolean"}, {"description", description}};
}
Json array_of(const Json& items) {
  return Json{{"type", "array"}, {"items", items}};
}
Json object(const Json& properties, const std::vector<std::string>& required = {}) {
  Json j{{"type", "object"}, {"properties", properties}};
  if (!required.empty()) j["required"] = required;
  return j;
}
Json query(const std::string& name, const std::string& description, const Json& schema) {
  return Json{{"name", name},
              {"in", "query"},
              {"required", false},
              {"description", description},
              {"schema", schema}};
}
Json path_param(const std::string& name, const std::string& description) {
  return Json{{"name", name},
              {"in", "path"},
              {"required", true},
              {"description", description},
              {"schema", str()}};
}

// An operation: summary, the role it needs (x-required-role; "public" needs no token), its
// parameters, its success answer and the refusals it can give.
Json operation(const std::string& summary, const std::string& role, Json parameters, Json ok,
               const std::vector<std::string>& refusals, const std::string& ok_status = "200") {
  Json responses{{ok_status, std::move(ok)}};
  for (const auto& r : refusals) {
    static const std::map<std::string, std::string> names = {{"400", "BadRequest"},
                                                             {"401", "Unauthorized"},
                                                             {"403", "Forbidden"},
                                                             {"404", "NotFound"},
                                                             {"409", "Conflict"},
                                                             {"413", "TooLarge"},
                                                             {"415", "UnsupportedMediaType"},
                                                             {"429", "TooManyRequests"}};
    responses[r] = response_ref(names.at(r));
  }
  if (role != "public") {
    responses["401"] = response_ref("Unauthorized");
    responses["403"] = response_ref("Forbidden");
  }
  Json op{{"summary", summary},
          {"x-required-role", role},
          {"parameters", std::move(parameters)},
          {"responses", std::move(responses)}};
  if (role == "public") op["security"] = Json::array();
  return op;
}

Json filter_parameters() {
  return Json::array(
      {query("state", "lifecycle states, comma-separated", str()),
       query("phase",
             "IR 8350 Figure 6 phases (onboarding, commissioned, operational, or a state), "
             "comma-separated",
             str()),
       query("model", "models, comma-separated; * and ? match as in the policy", str()),
       query("manufacturer", "manufacturers, comma-separated; * and ? match", str()),
       query("attestation", "attestation tiers: affirming, warning, contraindicated, none, stale",
             str()),
       query("serial", "serials, comma-separated", str()),
       query("segment",
             "segments the policy in force puts devices in when they connect, comma-separated; "
             "* and ? match",
             str()),
       query("protocol", "how devices were onboarded: brski, dpp or none, comma-separated", str()),
       query("q", "a substring of the serial", str())});
}

Json filter_schema() {
  Json list{{"oneOf", Json::array({str("comma-separated"), array_of(str())})}};
  return object({{"state", list},
                 {"phase", list},
                 {"model", list},
                 {"manufacturer", list},
                 {"attestation", list},
                 {"serial", list},
                 {"segment", list},
                 {"protocol", list},
                 {"q", str("substring of the serial")}});
}

Json schemas() {
  Json device_summary = object({{"serial", str()},
                                {"model", str()},
                                {"manufacturer", str()},
                                {"state", str()},
                                {"phase", str()},
                                {"in_service", {{"type", "boolean"}}},
                                {"attestation", str()},
                                {"mud_url", str()},
                                {"ldevid_serial", str()},
                                {"ldevid_not_after", str("RFC 3339, or null")},
                                {"renewal_requested", str("'', renew or rekey")},
                                {"app_status", str()},
                                {"app_version", str()},
                                {"updated_at", str("RFC 3339")},
                                {"protocol", str_enum({"brski", "dpp", "none"})},
                                {"segment", str("where the policy in force puts it")}});
  Json event = object({{"id", {{"type", "integer"}}},
                       {"at", str("RFC 3339")},
                       {"serial", str("empty for site-wide entries")},
                       {"kind", str()},
                       {"outcome", str_enum({"ok", "refused"})},
                       {"reason", str("the check that failed, or a note")},
                       {"detail", {{"type", "object"}, {"description", "operator: who acted"}}}});
  Json credential = object({{"certificate_serial", str()},
                            {"status", str_enum({"active", "pending", "superseded", "revoked"})},
                            {"issued_at", str()},
                            {"not_after", str()},
                            {"ended_at", str()}});
  Json device_detail = object(
      {{"serial", str()},
       {"model", str()},
       {"manufacturer", str()},
       {"state", str()},
       {"phase", str()},
       {"in_service", {{"type", "boolean"}}},
       {"renewal_requested", str()},
       {"actions",
        array_of(str_enum({"quarantine", "release", "revoke", "renew", "decommission", "retire"}))},
       {"credentials", array_of(credential)},
       {"mud_url", str()},
       {"mud", object({{"signer", str()},
                       {"fetched_at", str()},
                       {"from_device", array_of(str("nft rule"))},
                       {"to_device", array_of(str("nft rule"))},
                       {"sets", array_of(object({{"name", str("nft set named in the rules")},
                                                 {"family", str()},
                                                 {"kind", str("dns, manufacturer, model, "
                                                              "controller, my-controller, local")},
                                                 {"key", str("what it stands for")}}))}})},
       {"policy", object({{"allow", {{"type", "boolean"}}}, {"segment", str()}, {"rule", str()}})},
       {"attestation",
        object({{"status", str()}, {"check", str()}, {"release", str()}, {"at", str()}})},
       {"application", object({{"status", str()}, {"path", str()}, {"version", str()}})},
       {"declaration_version", {{"type", "integer"}}},
       {"bundle", str()},
       {"updated_at", str()},
       {"history", array_of(schema_ref("Event"))}});
  Json action_result = object({{"serial", str()},
                               {"action", str()},
                               {"from", str("state before")},
                               {"to", str("state after")},
                               {"operator", str()}});
  Json operator_schema = object({{"name", str()},
                                 {"role", str_enum({"viewer", "operator", "admin"})},
                                 {"created_at", str()},
                                 {"created_by", str()}});
  Json new_operator = operator_schema;
  new_operator["properties"]["token"] = str("the bearer token, shown this once");
  return Json{
      {"Error", object({{"error", object({{"check", str("the check that refused, as the CLI "
                                                        "names it")},
                                          {"message", str()}},
                                         {"check", "message"})}},
                       {"error"})},
      {"Health", object({{"status", str()},
                         {"version", str()},
                         {"site", str()},
                         {"uptime_s", {{"type", "integer"}}}})},
      {"DeviceSummary", device_summary},
      {"DeviceList", object({{"total", {{"type", "integer"}}},
                             {"page", {{"type", "integer"}}},
                             {"limit", {{"type", "integer"}}},
                             {"devices", array_of(schema_ref("DeviceSummary"))}})},
      {"DeviceDetail", device_detail},
      {"Event", event},
      {"EventList", object({{"count", {{"type", "integer"}}},
                            {"truncated", {{"type", "boolean"}}},
                            {"next_after", {{"type", "integer"}, {"nullable", true}}},
                            {"events", array_of(schema_ref("Event"))}})},
      {"EventFeed",
       object({{"events", array_of(schema_ref("Event"))}, {"last_id", {{"type", "integer"}}}})},
      {"ActionRequest", object({{"reason", str("required for quarantine, revoke, decommission")},
                                {"rekey", boolean("renew only: with a new key")},
                                {"transfer", boolean("decommission only: sold on")}})},
      {"ActionResult", action_result},
      {"DeviceFilter", filter_schema()},
      {"BulkActionRequest", object({{"filter", schema_ref("DeviceFilter")},
                                    {"reason", str()},
                                    {"rekey", boolean("renew only")},
                                    {"transfer", boolean("decommission only")},
                                    {"dry_run", boolean("only list the devices it would touch")}},
                                   {"filter"})},
      {"BulkActionResult", object({{"action", str()},
                                   {"filter", schema_ref("DeviceFilter")},
                                   {"dry_run", {{"type", "boolean"}}},
                                   {"matched", {{"type", "integer"}}},
                                   {"succeeded", {{"type", "integer"}}},
                                   {"failed", {{"type", "integer"}}},
                                   {"results", array_of(object({{"serial", str()},
                                                                {"ok", {{"type", "boolean"}}},
                                                                {"from", str()},
                                                                {"to", str()},
                                                                {"check", str("when refused")},
                                                                {"message", str()}}))}})},
      {"PolicySummary", object({{"origin", str()},
                                {"default", object({{"action", str()}, {"segment", str()}})},
                                {"rules", array_of(object({{"name", str()},
                                                           {"match", {{"type", "object"}}},
                                                           {"action", str()},
                                                           {"segment", str()}}))},
                                {"mud_overlay_rules", {{"type", "integer"}}},
                                {"assurance", {{"type", "object"}}}})},
      {"Policy", object({{"path", str()},
                         {"source", str_enum({"file", "built-in"})},
                         {"yaml", str("the file's text, or null")},
                         {"valid", {{"type", "boolean"}}},
                         {"summary", schema_ref("PolicySummary")},
                         {"error", object({{"check", str()}, {"message", str()}})},
                         {"running", str("the policy the services keep while the file is bad")}})},
      {"PolicyDecision", object({{"serial", str()},
                                 {"decision", str_enum({"allow", "deny"})},
                                 {"segment", str()},
                                 {"rule", str("the rule that decided, or default")},
                                 {"policy", str("the policy's origin")},
                                 {"subject", object({{"manufacturer", str()},
                                                     {"model", str()},
                                                     {"owner", str()},
                                                     {"bundle", str()},
                                                     {"mud", str_enum({"present", "absent"})},
                                                     {"protocol", str()}})}})},
      {"OnboardingStats",
       object({{"minutes", {{"type", "integer"}}},
               {"bucket_s", {{"type", "integer"}}},
               {"from", str("RFC 3339, the first bucket's start")},
               {"to", str("RFC 3339")},
               {"scanned", {{"type", "integer"}}},
               {"truncated", boolean("the window held more entries than are read at once")},
               {"per_minute",
                {{"type", "object"},
                 {"description", "protocol -> outcome (ok, refused) -> counts, one per minute"}}},
               {"totals", {{"type", "object"}, {"description", "protocol -> outcome -> count"}}},
               {"refusals",
                array_of(
                    object({{"kind", str()}, {"check", str()}, {"count", {{"type", "integer"}}}}))},
               {"refusals_total", {{"type", "integer"}}}})},
      {"PolicyInstalled", object({{"installed", str()}, {"summary", schema_ref("PolicySummary")}})},
      {"Manufacturers",
       object({{"manufacturers", array_of(object({{"name", str()},
                                                  {"fingerprint_sha256", str()},
                                                  {"added_at", str()},
                                                  {"masa_url", str()},
                                                  {"devices", {{"type", "integer"}}},
                                                  {"root_pem", str()}}))}})},
      {"ImportReport", object({{"manufacturer", str()},
                               {"bundle", str("SHA-256 of the bundle")},
                               {"added", {{"type", "integer"}}},
                               {"updated", {{"type", "integer"}}},
                               {"unchanged", {{"type", "integer"}}},
                               {"reference_values", {{"type", "integer"}}}})},
      {"Operator", operator_schema},
      {"NewOperator", new_operator},
      {"Operators", object({{"operators", array_of(schema_ref("Operator"))}})}};
}

Json responses() {
  auto err = [](const std::string& d) { return answer(d, schema_ref("Error")); };
  return Json{
      {"BadRequest", err("bad input (api.query, api.body, api.json, api.filter, policy.*, "
                         "bundle.*, ...)")},
      {"Unauthorized", err("no token, a wrong token, or cookies without a token (api.auth)")},
      {"Forbidden", err("the operator's role may not do this (api.role), or the lifecycle "
                        "forbids this actor (lifecycle.actor)")},
      {"NotFound", err("no such device (inventory.unknown, policy.unknown-device), operator or "
                       "route (api.route)")},
      {"Conflict", err("not from the device's state (lifecycle.state, device.state), or the "
                       "resource changed (policy.conflict, operator.exists, "
                       "operator.last-admin)")},
      {"TooLarge", err("the body is over its limit (api.size)")},
      {"UnsupportedMediaType", err("a JSON body must be application/json (api.media-type)")},
      {"TooManyRequests", err("too many event feeds at once (api.streams); see Retry-After")}};
}

Json device_action(const std::string& summary, const std::string& description) {
  Json op =
      operation(summary, "operator", Json::array({path_param("serial", "the device's serial")}),
                answer("done; the evidence log names the operator", schema_ref("ActionResult")),
                {"400", "404", "409", "413", "415"});
  op["description"] = description;
  op["requestBody"] =
      Json{{"required", false}, {"content", json_body(schema_ref("ActionRequest"))}};
  return op;
}

Json paths() {
  Json p;
  p["/health"]["get"] = operation("Liveness: status, version, uptime", "public", Json::array(),
                                  answer("running", schema_ref("Health")), {});
  p["/openapi.json"]["get"] = operation("This document", "public", Json::array(),
                                        answer("OpenAPI 3.0", {{"type", "object"}}), {});
  Json list_params = filter_parameters();
  list_params.push_back(query("sort", "serial, state or updated_at; a leading - for descending",
                              {{"type", "string"}, {"default", "serial"}}));
  list_params.push_back(query("page", "1-based", integer(1, 1'000'000, 1)));
  list_params.push_back(query("limit", "devices per page", integer(1, 500, 100)));
  p["/devices"]["get"] = operation("The inventory: filter, sort, page", "viewer", list_params,
                                   answer("one page", schema_ref("DeviceList")), {"400"});
  p["/devices/{serial}"]["get"] = operation(
      "One device whole: state, phase, credentials, attestation, MUD URL and rules, policy "
      "decision, application, history",
      "viewer",
      Json::array({path_param("serial", "the device's serial"),
                   query("history", "include the device's evidence log entries",
                         {{"type", "boolean"}, {"default", true}})}),
      answer("the device", schema_ref("DeviceDetail")), {"400", "404"});
  p["/devices/{serial}/quarantine"]["post"] =
      device_action("Quarantine a device",
                    "Cut it back to the onboarding segment (`site quarantine`); reason "
                    "required; device.state when it is already quarantined.");
  p["/devices/{serial}/release"]["post"] =
      device_action("Release a quarantined device", "Back to onboarded (`site release`).");
  p["/devices/{serial}/revoke"]["post"] = device_action(
      "Revoke a device's credentials",
      "Active and pending LDevIDs revoked, the CRL republished (`site revoke`); reason required.");
  p["/devices/{serial}/renew"]["post"] =
      device_action("Ask a device to renew its LDevID",
                    "At its next contact (`site renew`); rekey: true insists on a new key.");
  p["/devices/{serial}/decommission"]["post"] = device_action(
      "Decommission a device",
      "Credentials revoked, rules removed, the agent wipes it (`site decommission`); reason "
      "required; transfer: true records a resale.");
  p["/devices/{serial}/retire"]["post"] = device_action(
      "Mark a device's end of life", "From expected, revoked or decommissioned (`site retire`).");
  Json bulk = operation(
      "One action on a filtered set of devices", "operator",
      Json::array({{{"name", "action"},
                    {"in", "path"},
                    {"required", true},
                    {"description", "the action"},
                    {"schema", str_enum({"quarantine", "release", "revoke", "renew", "decommission",
                                         "retire"})}}}),
      answer("per device: ok, or the check that refused it", schema_ref("BulkActionResult")),
      {"400", "404", "413", "415"});
  bulk["description"] =
      "The filter takes the fields of GET /devices; an empty one is refused (api.filter) so that "
      "nobody acts on the whole inventory by accident, and so is one matching more than 500 "
      "devices.";
  bulk["requestBody"] =
      Json{{"required", true}, {"content", json_body(schema_ref("BulkActionRequest"))}};
  p["/actions/{action}"]["post"] = bulk;
  p["/policy"]["get"] =
      operation("The authorization policy: the YAML text and what it says", "viewer", Json::array(),
                answer("the policy (ETag header for If-Match)", schema_ref("Policy")), {});
  Json put = operation("Replace the authorization policy", "admin",
                       Json::array({{{"name", "If-Match"},
                                     {"in", "header"},
                                     {"required", false},
                                     {"description",
                                      "the ETag GET /policy gave: refused (policy.conflict) if the "
                                      "policy changed since"},
                                     {"schema", str()}}}),
                       answer("installed", schema_ref("PolicyInstalled")), {"400", "409", "413"});
  put["description"] =
      "Validated whole exactly as `site policy set`: a file with any error "
      "changes nothing and is refused with the parser's check.";
  put["requestBody"] =
      Json{{"required", true}, {"content", {{"application/yaml", {{"schema", str("YAML")}}}}}};
  p["/policy"]["put"] = put;
  Json decision = operation(
      "The decision the policy gives a device", "viewer",
      Json::array(
          {query("serial", "the device (required)", str()),
           query("protocol", "the protocol asking: brski, dpp or connect (802.1X admission)",
                 {{"type", "string"},
                  {"enum", {"brski", "dpp", "connect"}},
                  {"default", "connect"}})}),
      answer("the decision and the subject it was made for", schema_ref("PolicyDecision")),
      {"400", "404"});
  decision["description"] =
      "The same evaluation as `site policy check --json`, on the policy the site's services run; "
      "policy.unknown-device for a serial not in the inventory.";
  p["/policy/decision"]["get"] = decision;
  Json stats = operation(
      "Onboardings per minute by protocol and outcome, refusals by check", "viewer",
      Json::array({query("minutes", "the window, in minutes up to now", integer(1, 1440, 60))}),
      answer("the window's counts", schema_ref("OnboardingStats")), {"400"});
  stats["description"] =
      "From the evidence log: onboardings as /metrics counts them (brski: the device confirmed "
      "its LDevID; dpp: a configuration; refused: a voucher request, an enrollment or a DPP "
      "exchange the site refused) and every refused entry by its kind and check (the 20 "
      "commonest). At most 200000 of the newest entries are read; truncated says the window held "
      "more.";
  p["/stats/onboarding"]["get"] = stats;
  p["/manufacturers"]["get"] =
      operation("Trusted manufacturers and their device counts", "viewer", Json::array(),
                answer("the list", schema_ref("Manufacturers")), {});
  Json bundle = operation("Import a bootstrapping bundle", "admin", Json::array(),
                          answer("imported", schema_ref("ImportReport")), {"400", "413"});
  bundle["description"] =
      "As `site import` without --trust-anchor: only bundles of "
      "manufacturers the site already trusts; all or nothing.";
  bundle["requestBody"] =
      Json{{"required", true}, {"content", {{"application/x-pem-file", {{"schema", str("PEM")}}}}}};
  p["/bundles"]["post"] = bundle;
  Json event_params = Json::array(
      {query("serial", "one device's entries (404 inventory.unknown for an unknown one)", str()),
       query("kind", "kinds, comma-separated; * and ? match (device.*)", str()),
       query("outcome", "ok or refused", str_enum({"ok", "refused"})),
       query("since", "entries at or after this time (RFC 3339)", str()),
       query("after", "entries after this id (paging)", integer(0, INT64_MAX / 2, 0)),
       query("limit", "entries at most", integer(1, 10'000, 1000)),
       query("format", "json, or csv (a header row, RFC 4180 quoting)",
             {{"type", "string"}, {"enum", {"json", "csv"}}, {"default", "json"}})});
  Json events = operation("The evidence log, oldest first", "viewer", event_params,
                          answer("the entries", schema_ref("EventList")), {"400", "404"});
  events["responses"]["200"]["content"]["text/csv"] = {{"schema", str("CSV")}};
  p["/events"]["get"] = events;
  Json stream_params = Json::array(
      {query("serial", "one device's entries", str()),
       query("kind", "kinds, comma-separated globs", str()),
       query("outcome", "ok or refused", str_enum({"ok", "refused"})),
       query("after", "entries after this id (default: Last-Event-ID, else only new ones)",
             integer(0, INT64_MAX / 2, 0)),
       query("wait", "a long poll instead of the stream: seconds to wait for an entry",
             integer(0, 15, 15)),
       query("hold", "seconds the stream stays open before the client reconnects",
             integer(1, 600, 600)),
       query("format", "sse (text/event-stream) or json",
             {{"type", "string"}, {"enum", {"sse", "json"}}, {"default", "sse"}}),
       {{"name", "Last-Event-ID"},
        {"in", "header"},
        {"required", false},
        {"description", "where an EventSource left off"},
        {"schema", str()}}});
  Json stream =
      operation("New evidence log entries as Server-Sent Events", "viewer", stream_params,
                answer("the entries after the last one the client has", schema_ref("EventFeed")),
                {"400", "404", "429"});
  stream["description"] =
      "Server-Sent Events over one held connection (Transfer-Encoding: chunked): each entry after "
      "`after` (or Last-Event-ID) as it commits, one `id:` and `data:` (an Event) record each, a "
      "`: keep-alive` comment with the position (`id:`) every 15 s when quiet; after `hold` "
      "seconds the answer ends and an EventSource reconnects by itself (retry: 500) from the last "
      "id. With `wait` (and for format=json) a long poll instead: one answer as soon as there are "
      "entries, or after `wait` seconds. At most 16 feeds at once (api.streams).";
  stream["responses"]["200"]["content"]["text/event-stream"] = {{"schema", str("SSE records")}};
  p["/events/stream"]["get"] = stream;
  p["/me"]["get"] =
      operation("The operator the token belongs to, and its role (what the dashboard shows)",
                "viewer", Json::array(), answer("the operator", schema_ref("Operator")), {});
  p["/operators"]["get"] =
      operation("The API's operators (never their tokens)", "admin", Json::array(),
                answer("the list", schema_ref("Operators")), {});
  Json add = operation("Add an operator", "admin", Json::array(),
                       answer("made; the token is in this answer only", schema_ref("NewOperator")),
                       {"400", "409", "413", "415"}, "201");
  add["requestBody"] =
      Json{{"required", true},
           {"content", json_body(object({{"name", str("1-64 of A-Z a-z 0-9 . _ -")},
                                         {"role", str_enum({"viewer", "operator", "admin"})}},
                                        {"name", "role"}))}};
  p["/operators"]["post"] = add;
  p["/operators/{name}"]["delete"] =
      operation("Remove an operator (not the last admin)", "admin",
                Json::array({path_param("name", "the operator")}),
                answer("removed", object({{"removed", str()}})), {"404", "409"});
  Json scrape = operation(
      "The site's metrics in the Prometheus text format", "public", Json::array(),
      Json{{"description", "text exposition format 0.0.4"},
           {"content", {{"text/plain; version=0.0.4", {{"schema", str("metric families")}}}}}},
      {"400"});
  scrape["description"] =
      "Also served at /metrics (outside /api/v1), where Prometheus looks by default. Public by "
      "default, like /health; `site serve --metrics-role viewer` asks a viewer's token of it "
      "(Prometheus: authorization.credentials_file). Onboardings by protocol and outcome, "
      "refusals by check, quarantines, 802.1X sessions and MUD files are a tally of the evidence "
      "log since the serving process started; step latencies, policy decisions and server "
      "connections are measured in that process; devices by state and LDevIDs expiring within "
      "7 and 30 days are read from the inventory at each scrape.";
  p["/metrics"]["get"] = scrape;
  return p;
}

}  // namespace

const Json& ApiService::openapi() {
  static const Json doc = [] {
    Json d;
    d["openapi"] = "3.0.3";
    d["info"] = Json{
        {"title", "Gatehouse site API"},
        {"version", "1"},
        {"description",
         "The network owner's REST API (NIST IR 8350, SP 1800-36): the inventory of devices, one "
         "device whole, actions on one device or a filtered set, the authorization policy, "
         "trusted manufacturers, bundle import, the evidence log, and the API's operators.\n\n"
         "Authentication: `Authorization: Bearer TOKEN`, a token `gatehouse site operator add "
         "NAME --role viewer|operator|admin` prints once (the site keeps only its SHA-256). "
         "Roles follow IR 8350's functional roles: a viewer reads; an operator also acts on "
         "devices; an admin also changes the policy, trust (bundles) and operators. Each "
         "operation's x-required-role names the least role it needs.\n\n"
         "CSRF: the API sets and reads no cookies. A browser never adds an Authorization header "
         "by itself, so another site's page cannot make it send a credential; a request that "
         "carries cookies and no Authorization is refused (api.auth) as the sign of such a page. "
         "No CORS headers are sent.\n\n"
         "Errors are JSON, {\"error\": {\"check\", \"message\"}}, with the check names the CLI "
         "prints. Every action is in the evidence log with the operator's name."}};
    d["servers"] = Json::array({{{"url", "/api/v1"}}});
    d["security"] = Json::array({{{"bearer", Json::array()}}});
    d["components"] =
        Json{{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
             {"schemas", schemas()},
             {"responses", responses()}};
    d["paths"] = paths();
    return d;
  }();
  return doc;
}

}  // namespace gh::svc
